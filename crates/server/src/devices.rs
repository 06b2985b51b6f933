//! The devices allowed to sync: enrolled once with a one-time code and the public half of an
//! Ed25519 key the device made (and cannot export), then recognised by the signature on each
//! request. Codes expire and work once; a device can be revoked.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use daicho_core::api::ApiCode;
use ed25519_dalek::{Signature, VerifyingKey};
use sha2::{Digest, Sha256};
use sqlx::{AnyPool, Row};

/// How far a request's timestamp may be from the server's clock (the replay window): the
/// same five minutes an event's clock may run ahead (`sync_limits`).
pub const CLOCK_WINDOW_MS: i64 = daicho_core::sync_limits::MAX_CLOCK_AHEAD_MS;

/// Why a device was not enrolled or a request not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceRefusal {
    UnknownCode,
    CodeExpired,
    CodeUsed,
    BadKey,
    BadDeviceId,
    DeviceExists,
    Unsigned,
    UnknownDevice,
    Revoked,
    BadDigest,
    BadSignature,
    ClockSkew,
}

impl DeviceRefusal {
    /// The code the endpoint refuses with.
    pub fn code(&self) -> ApiCode {
        match self {
            DeviceRefusal::UnknownCode => ApiCode::UnknownCode,
            DeviceRefusal::CodeExpired => ApiCode::CodeExpired,
            DeviceRefusal::CodeUsed => ApiCode::CodeUsed,
            DeviceRefusal::BadKey => ApiCode::BadKey,
            DeviceRefusal::BadDeviceId => ApiCode::BadDeviceId,
            DeviceRefusal::DeviceExists => ApiCode::DeviceExists,
            DeviceRefusal::Unsigned => ApiCode::Unsigned,
            DeviceRefusal::UnknownDevice => ApiCode::UnknownDevice,
            DeviceRefusal::Revoked => ApiCode::DeviceRevoked,
            DeviceRefusal::BadDigest => ApiCode::BadDigest,
            DeviceRefusal::BadSignature => ApiCode::BadSignature,
            DeviceRefusal::ClockSkew => ApiCode::ClockSkew,
        }
    }

    pub fn message_ja(&self) -> &'static str {
        match self {
            DeviceRefusal::UnknownCode => "登録コードが違います。",
            DeviceRefusal::CodeExpired => {
                "登録コードの有効期限が切れています。新しいコードを発行してください。"
            }
            DeviceRefusal::CodeUsed => "この登録コードはすでに使われています。",
            DeviceRefusal::BadKey => {
                "端末の公開鍵が読めないか、安全でない鍵です（Ed25519、32バイト）。"
            }
            DeviceRefusal::BadDeviceId => {
                "端末の識別子は英数字と . _ - の1〜64文字で指定してください。"
            }
            DeviceRefusal::DeviceExists => "この端末はすでに登録されています。",
            DeviceRefusal::Unsigned => "端末の署名がない要求です。",
            DeviceRefusal::UnknownDevice => "登録されていない端末です。",
            DeviceRefusal::Revoked => "この端末の登録は取り消されています。",
            DeviceRefusal::BadDigest => "送られた内容がダイジェストと一致しません。",
            DeviceRefusal::BadSignature => "端末の署名が正しくありません。",
            DeviceRefusal::ClockSkew => {
                "端末の時刻がサーバと5分以上ずれています。時刻を合わせてください。"
            }
        }
    }

    pub fn message_en(&self) -> &'static str {
        match self {
            DeviceRefusal::UnknownCode => "Unknown enrollment code.",
            DeviceRefusal::CodeExpired => "The enrollment code has expired.",
            DeviceRefusal::CodeUsed => "The enrollment code was used already.",
            DeviceRefusal::BadKey => {
                "The device's public key is unreadable or weak (Ed25519, 32 bytes)."
            }
            DeviceRefusal::BadDeviceId => {
                "A device id is 1 to 64 ASCII letters, digits, '.', '_' or '-'."
            }
            DeviceRefusal::DeviceExists => "This device is enrolled already.",
            DeviceRefusal::Unsigned => "The request is not signed by a device.",
            DeviceRefusal::UnknownDevice => "Unknown device.",
            DeviceRefusal::Revoked => "This device has been revoked.",
            DeviceRefusal::BadDigest => "The body does not match its Content-Digest.",
            DeviceRefusal::BadSignature => "The device signature does not verify.",
            DeviceRefusal::ClockSkew => "The device clock is more than 5 minutes off.",
        }
    }
}

#[derive(Debug)]
pub enum DeviceError {
    Refused(DeviceRefusal),
    Database(sqlx::Error),
}

impl From<sqlx::Error> for DeviceError {
    fn from(e: sqlx::Error) -> Self {
        DeviceError::Database(e)
    }
}

fn refused<T>(r: DeviceRefusal) -> Result<T, DeviceError> {
    Err(DeviceError::Refused(r))
}

/// A new one-time code valid for `ttl_minutes`; only its hash is stored.
pub async fn create_code(pool: &AnyPool, ttl_minutes: i64, now_ms: i64) -> anyhow::Result<String> {
    let mut bytes = [0u8; 10];
    getrandom::getrandom(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    // Groups of four hex digits: easy to read out and type on a tablet.
    let hex = hex::encode(bytes);
    let code = hex
        .as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("-");
    sqlx::query(
        "INSERT INTO enrollment_codes (code_hash, created_at, expires_at) VALUES ($1, $2, $3)",
    )
    .bind(code_hash(&code))
    .bind(now_ms)
    .bind(now_ms + ttl_minutes * 60_000)
    .execute(pool)
    .await?;
    Ok(code)
}

fn code_hash(code: &str) -> String {
    hex::encode(Sha256::digest(code.trim().to_lowercase().as_bytes()))
}

/// Enrolls `device` with its public key (32 raw bytes, base64) using a one-time code.
pub async fn enroll(
    pool: &AnyPool,
    code: &str,
    device: &str,
    public_key: &str,
    now_ms: i64,
) -> Result<(), DeviceError> {
    // Both before the code is looked up: a refused enrollment never spends a code.
    if !daicho_core::DeviceId::is_well_formed(device) {
        return refused(DeviceRefusal::BadDeviceId);
    }
    if verifying_key(public_key).is_none() {
        return refused(DeviceRefusal::BadKey);
    }
    let mut tx = crate::database::begin_write(pool).await?;
    let row = sqlx::query("SELECT expires_at, used_at FROM enrollment_codes WHERE code_hash = $1")
        .bind(code_hash(code))
        .fetch_optional(&mut *tx)
        .await?;
    let Some(row) = row else {
        return refused(DeviceRefusal::UnknownCode);
    };
    if row.get::<Option<i64>, _>("used_at").is_some() {
        return refused(DeviceRefusal::CodeUsed);
    }
    if row.get::<i64, _>("expires_at") < now_ms {
        return refused(DeviceRefusal::CodeExpired);
    }
    let exists: Option<String> = sqlx::query_scalar("SELECT device FROM devices WHERE device = $1")
        .bind(device)
        .fetch_optional(&mut *tx)
        .await?;
    if exists.is_some() {
        return refused(DeviceRefusal::DeviceExists);
    }
    // `used_at IS NULL` again: on PostgreSQL a concurrent enrollment with the same code may
    // have used it since the SELECT above (READ COMMITTED re-checks the row here).
    let used = sqlx::query(
        "UPDATE enrollment_codes SET used_at = $1, used_by = $2 \
         WHERE code_hash = $3 AND used_at IS NULL",
    )
    .bind(now_ms)
    .bind(device)
    .bind(code_hash(code))
    .execute(&mut *tx)
    .await?;
    if used.rows_affected() != 1 {
        return refused(DeviceRefusal::CodeUsed);
    }
    sqlx::query("INSERT INTO devices (device, public_key, enrolled_at) VALUES ($1, $2, $3)")
        .bind(device)
        .bind(public_key)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Revokes `device` from `now_ms` on; its requests are refused from then.
pub async fn revoke(pool: &AnyPool, device: &str, now_ms: i64) -> anyhow::Result<bool> {
    let done =
        sqlx::query("UPDATE devices SET revoked_at = $1 WHERE device = $2 AND revoked_at IS NULL")
            .bind(now_ms)
            .bind(device)
            .execute(pool)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// The device's public key from its base64, unless unreadable or weak (daicho-core `ed25519`).
fn verifying_key(base64: &str) -> Option<VerifyingKey> {
    let bytes: [u8; 32] = BASE64.decode(base64.trim()).ok()?.try_into().ok()?;
    daicho_core::ed25519::public_key(&bytes)
}

/// The signed parts of a request (a documented equivalent of RFC 9421's signature base).
pub struct SignedRequest<'a> {
    pub device: Option<&'a str>,
    pub timestamp: Option<&'a str>,
    pub digest: Option<&'a str>,
    pub signature: Option<&'a str>,
    pub method: &'a str,
    /// The path and query as sent (`/api/events?after=0`).
    pub path: &'a str,
    pub body: &'a [u8],
}

pub use daicho_core::request_signing::{content_digest, signature_base};

/// The signature headers of a request, present and checked against the body and the clock.
pub struct SignedHeaders<'a> {
    pub device: &'a str,
    pub timestamp: &'a str,
    pub digest: &'a str,
    pub signature: &'a str,
}

/// What can be checked of a request before its device is looked up: the four headers present,
/// the timestamp within the window of `now_ms`, the digest the body's. Pure (no database), so
/// the fuzz target (tests/fuzz.rs) reaches it with arbitrary headers.
pub fn check_headers<'a>(
    request: &SignedRequest<'a>,
    now_ms: i64,
) -> Result<SignedHeaders<'a>, DeviceRefusal> {
    let (Some(device), Some(timestamp), Some(digest), Some(signature)) = (
        request.device,
        request.timestamp,
        request.digest,
        request.signature,
    ) else {
        return Err(DeviceRefusal::Unsigned);
    };
    let at: i64 = timestamp.parse().or(Err(DeviceRefusal::Unsigned))?;
    // abs_diff: `at - now_ms` overflows for a timestamp near i64::MIN (found by the fuzz target).
    if at.abs_diff(now_ms) > CLOCK_WINDOW_MS.unsigned_abs() {
        return Err(DeviceRefusal::ClockSkew);
    }
    if digest != content_digest(request.body) {
        return Err(DeviceRefusal::BadDigest);
    }
    Ok(SignedHeaders {
        device,
        timestamp,
        digest,
        signature,
    })
}

/// Whether the request's signature is `key`'s over its signature base.
pub fn signature_verifies(
    key: &VerifyingKey,
    request: &SignedRequest<'_>,
    headers: &SignedHeaders<'_>,
) -> bool {
    let signature = BASE64
        .decode(headers.signature.trim())
        .ok()
        .and_then(|b| Signature::from_slice(&b).ok());
    let base = signature_base(
        headers.device,
        headers.timestamp,
        request.method,
        request.path,
        headers.digest,
    );
    signature.is_some_and(|s| daicho_core::ed25519::verifies(key, base.as_bytes(), &s))
}

/// The enrolled, unrevoked device that signed `request`, or why not.
pub async fn verify(
    pool: &AnyPool,
    request: &SignedRequest<'_>,
    now_ms: i64,
) -> Result<String, DeviceError> {
    let headers = check_headers(request, now_ms).map_err(DeviceError::Refused)?;
    let device = headers.device;
    let row = sqlx::query("SELECT public_key, revoked_at FROM devices WHERE device = $1")
        .bind(device)
        .fetch_optional(pool)
        .await?;
    let Some(row) = row else {
        return refused(DeviceRefusal::UnknownDevice);
    };
    if row
        .get::<Option<i64>, _>("revoked_at")
        .is_some_and(|r| r <= now_ms)
    {
        return refused(DeviceRefusal::Revoked);
    }
    let Some(key) = verifying_key(&row.get::<String, _>("public_key")) else {
        return refused(DeviceRefusal::BadKey);
    };
    if signature_verifies(&key, request, &headers) {
        Ok(device.to_string())
    } else {
        refused(DeviceRefusal::BadSignature)
    }
}
