//! Events: every change a person makes, recorded once and never edited. Each device's events
//! form a hash chain (`hash = SHA-256(prev_hash ‖ canonical bytes)`), so a missing or altered
//! event shows.

use crate::assets::{AssetRegistered, HandlerDesignated, MeasureRecorded};
use crate::clock::Hlc;
use crate::corrections::CorrectionRecorded;
use crate::entry_log::{EntryRecorded, ExitRecorded};
use crate::entry_measures::EntryMeasureSet;
use crate::equipment::EquipmentRegistered;
use crate::history::{DeviceEnrolled, DeviceRevoked, Exported, Printed, Synced};
use crate::id_ledger::{CollationInfoRecorded, IdLedgerRecorded, OperatorIdKindDefined};
use crate::instructions::{FollowUpReported, InstructionClosed, InstructionIssued};
use crate::key_log::{KeyDefined, KeyLent, KeyLoanVoided, KeyReturned};
use crate::meetings::{MeetingHeld, OpinionReceived};
use crate::organisation::{Position, RoleAssigned, TenureRecorded};
use crate::people::PersonDefined;
use crate::reports::{InvestigationConcluded, ReportCycleSet, ReportReviewed, ReportSubmitted};
use crate::room::RoomDefined;
use crate::room_permit::{PermissionGranted, PermitRevoked, VisitPermitGranted};
use crate::rule_breaks::BreakHandled;
use crate::sign_in::{PinSet, PinUnlocked, SignInFailed, SignedIn, SignedOut};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;

/// The device an event was recorded on (a tablet, a browser profile).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(transparent)]
pub struct DeviceId(pub String);

impl DeviceId {
    /// The most characters a device id has.
    pub const MAX_LEN: usize = 64;

    /// True for the documented form, checked at enrollment: 1 to 64 ASCII letters, digits, `.`,
    /// `_` or `-` (a UUID fits). It travels in a request header and names events as
    /// `device:seq`, so no space, control character, colon or non-ASCII.
    pub fn is_well_formed(id: &str) -> bool {
        (1..=Self::MAX_LEN).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    }
}

impl fmt::Display for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An event named by its device and its place in that device's chain: `device:seq`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventId {
    pub device: DeviceId,
    pub seq: u64,
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.device, self.seq)
    }
}

impl FromStr for EventId {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (device, seq) = s
            .rsplit_once(':')
            .ok_or_else(|| format!("event id without ':': {s}"))?;
        let seq = seq
            .parse()
            .map_err(|_| format!("event id with a bad sequence number: {s}"))?;
        Ok(EventId {
            device: DeviceId(device.to_string()),
            seq,
        })
    }
}

impl Serialize for EventId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for EventId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for EventId {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "EventId".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^.+:[0-9]+$",
            "description": "An event named by its device and its seq: `<device>:<seq>`."
        })
    }
}

/// What a person recorded: one variant per thing the regulation asks to be kept. Its tag
/// (`EventTag`, derived) is the kind's stored name, `"meeting_held"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, strum::EnumDiscriminants)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", content = "payload", rename_all = "snake_case")]
#[strum_discriminants(
    name(EventTag),
    derive(
        Hash,
        PartialOrd,
        Ord,
        Serialize,
        Deserialize,
        strum::EnumIter,
        strum::EnumString,
        strum::IntoStaticStr,
        strum::Display
    ),
    serde(rename_all = "snake_case"),
    strum(serialize_all = "snake_case")
)]
pub enum EventKind {
    RoomDefined(RoomDefined),
    EntryRecorded(EntryRecorded),
    ExitRecorded(ExitRecorded),
    PositionDefined(Position),
    RoleAssigned(RoleAssigned),
    TenureRecorded(TenureRecorded),
    PermissionGranted(PermissionGranted),
    VisitPermitGranted(VisitPermitGranted),
    PermitRevoked(PermitRevoked),
    EntryMeasureSet(EntryMeasureSet),
    KeyDefined(KeyDefined),
    KeyLent(KeyLent),
    KeyReturned(KeyReturned),
    KeyLoanVoided(KeyLoanVoided),
    PersonDefined(PersonDefined),
    EquipmentRegistered(EquipmentRegistered),
    AssetRegistered(AssetRegistered),
    HandlerDesignated(HandlerDesignated),
    MeasureRecorded(MeasureRecorded),
    OperatorIdKindDefined(OperatorIdKindDefined),
    IdLedgerRecorded(IdLedgerRecorded),
    CollationInfoRecorded(CollationInfoRecorded),
    MeetingHeld(MeetingHeld),
    OpinionReceived(OpinionReceived),
    InstructionIssued(InstructionIssued),
    FollowUpReported(FollowUpReported),
    InstructionClosed(InstructionClosed),
    ReportSubmitted(ReportSubmitted),
    ReportReviewed(ReportReviewed),
    InvestigationConcluded(InvestigationConcluded),
    ReportCycleSet(ReportCycleSet),
    BreakHandled(BreakHandled),
    CorrectionRecorded(CorrectionRecorded),
    PinSet(PinSet),
    SignedIn(SignedIn),
    SignInFailed(SignInFailed),
    SignedOut(SignedOut),
    PinUnlocked(PinUnlocked),
    Printed(Printed),
    Exported(Exported),
    Synced(Synced),
    DeviceEnrolled(DeviceEnrolled),
    DeviceRevoked(DeviceRevoked),
}

impl EventKind {
    /// The payload as a JSON value, for pages that show any kind's fields by name. Through
    /// its JSON text, so the wasm needs no second writer of every payload type for `Value`.
    pub fn payload_value(&self) -> serde_json::Value {
        serde_json::to_string(self)
            .ok()
            .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
            .and_then(|mut kind| kind.get_mut("payload").map(serde_json::Value::take))
            .unwrap_or(serde_json::Value::Null)
    }

    /// The record this event acts on, for kinds that act on an earlier one (an exit closes an
    /// entry, a correction points at its target, …): the record's history is its own event
    /// and every event that refers to it.
    pub fn refers_to(&self) -> Option<&EventId> {
        use EventKind::*;
        match self {
            ExitRecorded(x) => Some(&x.entry),
            KeyReturned(x) => Some(&x.loan),
            KeyLoanVoided(x) => Some(&x.loan),
            PermitRevoked(x) => Some(&x.permit),
            OpinionReceived(x) => Some(&x.meeting),
            FollowUpReported(x) => Some(&x.instruction),
            InstructionClosed(x) => Some(&x.instruction),
            CorrectionRecorded(x) => Some(&x.target),
            ReportSubmitted(x) => x.supersedes.as_ref(),
            ReportReviewed(x) => Some(&x.report),
            InvestigationConcluded(x) => Some(&x.review),
            BreakHandled(x) => Some(&x.record),
            _ => None,
        }
    }

    /// For master data kept by id (a room, a person, a key …), the record this event defines a
    /// version of, as `"room:<id>"`: the record's history is every event naming it.
    pub fn defines(&self) -> Option<String> {
        use EventKind::*;
        let (what, id) = match self {
            RoomDefined(x) => ("room", &x.id),
            PersonDefined(x) => ("person", &x.id),
            PositionDefined(x) => ("position", &x.id),
            KeyDefined(x) => ("key", &x.id),
            EquipmentRegistered(x) => ("equipment", &x.id),
            AssetRegistered(x) => ("asset", &x.id),
            OperatorIdKindDefined(x) => ("operator_id_kind", &x.id),
            _ => return None,
        };
        Some(format!("{what}:{id}"))
    }

    /// What the event is filed under for a record's history: the record it acts on, or the
    /// master record it defines a version of.
    pub fn history_key(&self) -> Option<String> {
        self.refers_to()
            .map(ToString::to_string)
            .or_else(|| self.defines())
    }

    /// The kind's tag; its stored name (`"meeting_held"`) is `tag().as_str()`.
    pub fn tag(&self) -> EventTag {
        self.into()
    }
}

impl EventTag {
    /// The stored name, as in the event's `kind` field and the kind index.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Every tag, in declaration order.
    pub fn all() -> impl Iterator<Item = EventTag> {
        <EventTag as strum::IntoEnumIterator>::iter()
    }
}

impl PartialEq<&str> for EventTag {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// The hash before a device's first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A recorded event with its place in its device's chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Event {
    /// The device that recorded it (enrolled under this id).
    pub device: DeviceId,
    /// Its place in the device's chain: 1, 2, 3 … without gaps.
    #[cfg_attr(feature = "schema", schemars(range(min = 1)))]
    pub seq: u64,
    /// When, as the device's hybrid logical clock: wall milliseconds and a counter.
    pub hlc: Hlc,
    /// Who was signed in when it was recorded (the operation history of 第12条).
    pub operator: String,
    /// `kind` names what was recorded (`room_defined` …) and `payload` holds it.
    #[serde(flatten)]
    pub kind: EventKind,
    /// The `hash` of the device's event before (64 lowercase hex), or 64 zeros for seq 1.
    #[cfg_attr(feature = "schema", schemars(regex(pattern = r"^[0-9a-f]{64}$")))]
    pub prev_hash: String,
    /// SHA-256, 64 lowercase hex, over the 32 bytes `prev_hash` names and the canonical JSON
    /// of every other field (docs/protocol.md).
    #[cfg_attr(feature = "schema", schemars(regex(pattern = r"^[0-9a-f]{64}$")))]
    pub hash: String,
}

/// The fields the hash covers, in a fixed order: everything but the hash itself.
#[derive(Serialize)]
struct Canonical<'a> {
    device: &'a DeviceId,
    seq: u64,
    hlc: Hlc,
    operator: &'a str,
    #[serde(flatten)]
    kind: &'a EventKind,
    prev_hash: &'a str,
}

impl Event {
    /// Makes the event that follows `prev_hash` in `device`'s chain.
    pub fn seal(
        device: DeviceId,
        seq: u64,
        hlc: Hlc,
        operator: String,
        kind: EventKind,
        prev_hash: &str,
    ) -> Event {
        let mut event = Event {
            device,
            seq,
            hlc,
            operator,
            kind,
            prev_hash: prev_hash.to_string(),
            hash: String::new(),
        };
        event.hash = event.computed_hash();
        event
    }

    pub fn id(&self) -> EventId {
        EventId {
            device: self.device.clone(),
            seq: self.seq,
        }
    }

    /// SHA-256 over the previous hash's bytes and this event's canonical JSON.
    pub fn computed_hash(&self) -> String {
        let canonical = Canonical {
            device: &self.device,
            seq: self.seq,
            hlc: self.hlc,
            operator: &self.operator,
            kind: &self.kind,
            prev_hash: &self.prev_hash,
        };
        let bytes = serde_json::to_vec(&canonical).expect("events always serialise");
        let mut hasher = Sha256::new();
        hasher.update(hex::decode(&self.prev_hash).unwrap_or_default());
        hasher.update(bytes);
        hex::encode(hasher.finalize())
    }

    /// The event's leaf in the endpoint's Merkle tree (`merkle`): the RFC 6962 leaf hash of its
    /// `hash` as written (64 hex characters). The hash covers everything else of the event and
    /// the hash before it, so the leaf commits to the whole event once `hash_is_valid` holds.
    pub fn leaf_hash(&self) -> crate::merkle::Hash {
        crate::merkle::leaf_hash(self.hash.as_bytes())
    }

    /// True when the stored hash matches the event's content.
    pub fn hash_is_valid(&self) -> bool {
        self.hash == self.computed_hash()
    }

    /// The order every device folds events in: clock, then device as the tie-break.
    pub fn fold_key(&self) -> (Hlc, &DeviceId, u64) {
        (self.hlc, &self.device, self.seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_id_is_a_short_ascii_name() {
        for good in [
            "tablet-a",
            "7f1c2a9e-4b7d-4e0a-9a57-0c2d1e3f4a5b",
            "a",
            "x.y_z",
        ] {
            assert!(DeviceId::is_well_formed(good), "{good}");
        }
        let long = "a".repeat(DeviceId::MAX_LEN + 1);
        for bad in ["", "a\0b", "tab\nlet", "端末", "a b", "a:1", long.as_str()] {
            assert!(!DeviceId::is_well_formed(bad), "{bad:?}");
        }
    }
    use crate::room::{RoomDefined, SecurityLevel};

    fn room_event(seq: u64, prev: &str) -> Event {
        Event::seal(
            DeviceId("tablet-1".into()),
            seq,
            Hlc {
                wall_ms: 1_700_000_000_000 + seq as i64,
                counter: 0,
            },
            "山田 太郎".into(),
            EventKind::RoomDefined(RoomDefined {
                id: "room-x".into(),
                name: "電算室".into(),
                place: "上湧別庁舎".into(),
                level: SecurityLevel::Two,
                is_default: false,
            }),
            prev,
        )
    }

    #[test]
    fn json_round_trip_keeps_the_hash_valid() {
        let event = room_event(1, GENESIS_HASH);
        let json = serde_json::to_string(&event).unwrap();
        assert!(json.contains("\"kind\":\"room_defined\""), "{json}");
        let back: Event = serde_json::from_str(&json).unwrap();
        assert_eq!(back, event);
        assert!(back.hash_is_valid());
    }

    #[test]
    fn a_changed_byte_breaks_the_hash() {
        let mut event = room_event(1, GENESIS_HASH);
        event.operator = "山田 次郎".into();
        assert!(!event.hash_is_valid());
    }

    #[test]
    fn the_chain_links_each_event_to_the_one_before() {
        let first = room_event(1, GENESIS_HASH);
        let second = room_event(2, &first.hash);
        assert_eq!(second.prev_hash, first.hash);
        assert_ne!(
            room_event(2, GENESIS_HASH).hash,
            second.hash,
            "the same content after a different predecessor hashes differently"
        );
    }

    #[test]
    fn event_ids_read_back_what_they_write() {
        let id: EventId = "dev:abc-1:42".parse().unwrap();
        assert_eq!(id.device.0, "dev:abc-1");
        assert_eq!(id.seq, 42);
        assert_eq!(id.to_string(), "dev:abc-1:42");
        assert!("no-seq".parse::<EventId>().is_err());
    }

    #[test]
    fn kinds_name_their_tag_and_the_record_they_act_on() {
        let entry: EventId = "tablet-1:7".parse().unwrap();
        let exit = EventKind::ExitRecorded(crate::entry_log::ExitRecorded {
            entry: entry.clone(),
            exited_at: chrono::DateTime::from_timestamp_millis(0).unwrap(),
        });
        assert_eq!(exit.tag(), "exit_recorded");
        assert_eq!(exit.refers_to(), Some(&entry));
        let room = room_event(1, GENESIS_HASH).kind;
        assert_eq!(room.tag(), "room_defined");
        assert_eq!(room.refers_to(), None);
        assert_eq!(room.history_key().as_deref(), Some("room:room-x"));
        assert_eq!(exit.history_key(), Some(entry.to_string()));
    }
}
