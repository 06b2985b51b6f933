//! The wire of the endpoint's `/api/…`, written once for both sides: the endpoint serialises
//! what the browser deserialises and the other way round, and every refusal carries a code of
//! `ApiCode`. docs/protocol.md tells the protocol; crates/server/openapi.json documents these
//! shapes, and its test holds the documented codes to `ApiCode`.
//!
//! The JSON is byte for byte what the endpoint wrote before these types: the bodies it built
//! field by field came out in alphabetical order, so those types declare their fields so.

use crate::merkle::Hash;
use crate::Event;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde::{Deserialize, Serialize};

/// The routes of the API.
pub mod paths {
    pub const HEALTH: &str = "/api/health";
    pub const EVENTS: &str = "/api/events";
    pub const DEVICES: &str = "/api/devices";
    pub const LOG_KEY: &str = "/api/log/key";
    pub const CONSISTENCY: &str = "/api/log/consistency";
    pub const OPENAPI: &str = "/api/openapi.json";
}

/// Every refusal code the endpoint answers, as it writes it (`"device_revoked"`, `"gap"`, …).
/// Devices match on it; openapi.json's `Refusal` enum must list exactly these.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumIter,
    strum::IntoStaticStr,
    strum::Display,
)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ApiCode {
    // Enrollment (`devices`).
    UnknownCode,
    CodeExpired,
    CodeUsed,
    BadKey,
    DeviceExists,
    /// A device id outside the documented format (`[A-Za-z0-9._:-]`, 1–64 characters).
    BadDeviceId,
    /// Too many enrollment attempts from one address (429, with `Retry-After`).
    TooManyAttempts,
    // The request's signature (`devices`).
    Unsigned,
    UnknownDevice,
    DeviceRevoked,
    BadDigest,
    BadSignature,
    ClockSkew,
    // The pushed batch against the stored chain (`chain::ChainRefusal`).
    WrongDevice,
    NotContiguous,
    Gap,
    BadHash,
    BrokenLink,
    Fork,
    /// A `seq` below 1: a chain starts at 1.
    BadSeq,
    /// An event's clock later than the receiver's clock plus the allowed skew, or before the
    /// earliest plausible time.
    EventClock,
    /// Text no engine stores alike (a NUL character) in an event.
    BadText,
    // The request itself.
    WrongContentType,
    MalformedJson,
    MalformedQuery,
    NotOwnEvents,
    BatchTooLarge,
    BodyTooLarge,
    BadTreeSize,
    /// No route at this `/api/…` path.
    NotFound,
    /// The path exists; the method does not.
    MethodNotAllowed,
    /// The request's headers or body did not arrive in time.
    RequestTimeout,
    StorageUnavailable,
}

impl ApiCode {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Every code, in declaration order.
    pub fn all() -> impl Iterator<Item = ApiCode> {
        <ApiCode as strum::IntoEnumIterator>::iter()
    }
}

/// The body of every refusal: a stable code, and what happened in Japanese and in English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ApiRefusal {
    pub code: ApiCode,
    pub message_en: String,
    pub message_ja: String,
}

/// `POST /api/events`: one device's events, ascending `seq`, signed by that device. A request
/// with a field the endpoint does not know is refused (it would not be read); an answer's
/// unknown fields are ignored, so a newer endpoint can add some.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    /// Each event exactly in its canonical form (`canonical`).
    #[serde(deserialize_with = "crate::canonical::exact_events")]
    pub events: Vec<Event>,
}

/// The answer to a push: what it stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PushOutcome {
    /// Events new to the endpoint, now stored.
    pub stored: usize,
    /// Events of the batch the endpoint had already (the batch was sent before).
    pub already_stored: usize,
    /// Rule breaks the new events revealed (stored all the same).
    pub rule_breaks: usize,
}

/// `GET /api/events?after=…&limit=…`: a page of the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PullQuery {
    /// The cursor of the page before; 0 (the default) for the start.
    #[serde(default)]
    pub after: i64,
    /// At most this many events (the endpoint clamps it to 1–`MAX_PULL_EVENTS`).
    pub limit: Option<i64>,
}

impl PullQuery {
    /// The path and query a device requests.
    pub fn url(&self) -> String {
        let after = format!("{}?after={}", paths::EVENTS, self.after);
        match self.limit {
            Some(limit) => format!("{after}&limit={limit}"),
            None => after,
        }
    }
}

/// A page of the log: other devices' events after the cursor, in the order stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PullResponse {
    /// Each event exactly in its canonical form (`canonical`).
    #[serde(deserialize_with = "crate::canonical::exact_events")]
    pub events: Vec<Event>,
    /// Pass as `after` for the next page.
    pub cursor: i64,
    /// True when this page is the end of the log (for now).
    pub done: bool,
    /// The latest signed checkpoint of the log (a C2SP signed note), covering at least this
    /// page: keep it, and ask `/api/log/consistency` from it at the next sync. Every page of
    /// this endpoint carries one; an endpoint from before the log sends none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<String>,
}

/// `POST /api/devices`: enrolls a device with a one-time code (the only unsigned write).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct EnrollRequest {
    pub code: String,
    pub device: String,
    /// The device's Ed25519 public key: 32 raw bytes, base64.
    pub public_key: String,
}

/// The answer to an enrollment (`201`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Enrolled {
    pub device: String,
    /// The log's verifier key (as `LogKey::vkey`): the moment the device trusts this server.
    /// This endpoint always gives it; one from before the log does not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_key: Option<String>,
}

/// `GET /api/log/key` (unsigned: the key is public).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LogKey {
    /// The key name, also every checkpoint's origin line.
    pub name: String,
    /// The Ed25519 public key: 32 raw bytes, base64.
    pub public_key: String,
    /// The verifier key as Go's note package writes it: `<name>+<key id>+<base64>`.
    pub vkey: String,
}

/// `GET /api/log/consistency?from=…&to=…`, signed like a pull.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConsistencyQuery {
    pub from: u64,
    pub to: u64,
}

impl ConsistencyQuery {
    /// The path and query a device requests.
    pub fn url(&self) -> String {
        format!("{}?from={}&to={}", paths::CONSISTENCY, self.from, self.to)
    }
}

/// The RFC 6962 §2.1.2 proof that the tree of `from` events is a prefix of the tree of `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConsistencyProof {
    pub from: u64,
    /// Each hash base64, in the proof's order.
    pub proof: Vec<String>,
    pub to: u64,
}

impl ConsistencyProof {
    pub fn new(from: u64, to: u64, proof: &[Hash]) -> ConsistencyProof {
        let proof = proof.iter().map(|h| BASE64.encode(h)).collect();
        ConsistencyProof { from, proof, to }
    }

    /// The proof's hashes, or `None` if one is not a base64 SHA-256 hash.
    pub fn hashes(&self) -> Option<Vec<Hash>> {
        self.proof
            .iter()
            .map(|h| BASE64.decode(h).ok()?.try_into().ok())
            .collect()
    }
}

/// `GET /api/health`: status and version for anyone; the figures (engine and counts) only
/// when the request is signed by an enrolled device, else absent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Health {
    /// The engine: `"sqlite"` or `"postgres"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    /// How many events are stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<i64>,
    /// How many rule breaks were raised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_breaks: Option<i64>,
    /// How many security exceptions were raised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_exceptions: Option<i64>,
    pub status: HealthStatus,
    pub version: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    Ok,
    DatabaseUnavailable,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The bodies as the endpoint wrote them with `json!` before these types (keys sorted).
    #[test]
    fn the_json_is_what_the_endpoint_always_wrote() {
        let same = |typed: String, before: serde_json::Value| {
            assert_eq!(typed, serde_json::to_string(&before).unwrap());
        };
        let refusal = ApiRefusal {
            code: ApiCode::DeviceRevoked,
            message_en: "en".into(),
            message_ja: "ja".into(),
        };
        same(
            serde_json::to_string(&refusal).unwrap(),
            json!({ "code": "device_revoked", "message_ja": "ja", "message_en": "en" }),
        );
        let enrolled = Enrolled {
            device: "tablet-a".into(),
            log_key: Some("k".into()),
        };
        same(
            serde_json::to_string(&enrolled).unwrap(),
            json!({ "device": "tablet-a", "log_key": "k" }),
        );
        let key = LogKey {
            name: "n".into(),
            public_key: "p".into(),
            vkey: "v".into(),
        };
        same(
            serde_json::to_string(&key).unwrap(),
            json!({ "name": "n", "vkey": "v", "public_key": "p" }),
        );
        let proof = ConsistencyProof::new(1, 3, &[[7; 32]]);
        same(
            serde_json::to_string(&proof).unwrap(),
            json!({ "from": 1, "to": 3, "proof": [BASE64.encode([7; 32])] }),
        );
        assert_eq!(proof.hashes(), Some(vec![[7; 32]]));
        let health = Health {
            database: Some("sqlite".into()),
            events: Some(2),
            rule_breaks: Some(0),
            security_exceptions: Some(1),
            status: HealthStatus::DatabaseUnavailable,
            version: "0.1.0".into(),
        };
        same(
            serde_json::to_string(&health).unwrap(),
            json!({
                "status": "database_unavailable",
                "database": "sqlite",
                "events": 2,
                "rule_breaks": 0,
                "security_exceptions": 1,
                "version": "0.1.0",
            }),
        );
        let anonymous = Health {
            database: None,
            events: None,
            rule_breaks: None,
            security_exceptions: None,
            ..health
        };
        same(
            serde_json::to_string(&anonymous).unwrap(),
            json!({ "status": "database_unavailable", "version": "0.1.0" }),
        );
    }

    #[test]
    fn a_code_is_written_as_its_snake_case_name_and_a_proof_refuses_a_bad_hash() {
        assert_eq!(ApiCode::DeviceRevoked.as_str(), "device_revoked");
        // The wire (serde) and the name (strum) agree for every code.
        for code in ApiCode::all() {
            assert_eq!(json!(code), json!(code.as_str()));
            assert_eq!(code.to_string(), code.as_str());
        }
        let short = ConsistencyProof {
            from: 1,
            to: 2,
            proof: vec![BASE64.encode([1; 31])],
        };
        assert_eq!(short.hashes(), None);
    }

    #[test]
    fn queries_are_requested_as_the_endpoint_reads_them() {
        let pull = PullQuery {
            after: 7,
            limit: Some(1000),
        };
        assert_eq!(pull.url(), "/api/events?after=7&limit=1000");
        let proof = ConsistencyQuery { from: 3, to: 5 };
        assert_eq!(proof.url(), "/api/log/consistency?from=3&to=5");
    }
}
