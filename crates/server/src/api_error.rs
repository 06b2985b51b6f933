//! A refusal as a handler returns it: a code of `ApiCode` and what happened in Japanese and in
//! English. It answers with its code's status and an `ApiRefusal` body, so handlers return
//! `Result<Json<T>, ApiError>` and the failures of the layers below convert with `?`.

use crate::devices::{DeviceError, DeviceRefusal};
use crate::event_log::{PushError, MAX_BATCH_EVENTS};
use crate::transparency::ProofRefusal;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use daicho_core::api::{ApiCode, ApiRefusal};
use daicho_core::chain::ChainRefusal;

#[derive(Debug)]
pub struct ApiError(ApiRefusal);

impl ApiError {
    pub fn new(
        code: ApiCode,
        message_ja: impl Into<String>,
        message_en: impl Into<String>,
    ) -> Self {
        ApiError(ApiRefusal {
            code,
            message_en: message_en.into(),
            message_ja: message_ja.into(),
        })
    }

    /// The database failed: the detail goes to the log, not to the device.
    pub fn unavailable(e: impl std::fmt::Display) -> Self {
        tracing::error!("storage failed: {e}");
        ApiError::new(
            ApiCode::StorageUnavailable,
            "サーバの記録に失敗しました。後で自動的に再送します。",
            "The server could not store or read the log; try again.",
        )
    }
}

/// The status each code is answered with (docs/protocol.md).
fn status(code: ApiCode) -> StatusCode {
    use ApiCode::*;
    match code {
        UnknownCode | CodeExpired | CodeUsed | BadKey | DeviceExists | BadDeviceId => {
            StatusCode::BAD_REQUEST
        }
        TooManyAttempts => StatusCode::TOO_MANY_REQUESTS,
        Unsigned | UnknownDevice | BadDigest | BadSignature | ClockSkew => StatusCode::UNAUTHORIZED,
        DeviceRevoked | NotOwnEvents => StatusCode::FORBIDDEN,
        WrongDevice | NotContiguous | Gap | BadHash | BrokenLink | Fork | BadSeq => {
            StatusCode::CONFLICT
        }
        EventClock | BadText => StatusCode::BAD_REQUEST,
        NotFound => StatusCode::NOT_FOUND,
        MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        RequestTimeout => StatusCode::REQUEST_TIMEOUT,
        WrongContentType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        MalformedJson | MalformedQuery | BadTreeSize => StatusCode::BAD_REQUEST,
        BatchTooLarge | BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        StorageUnavailable => StatusCode::SERVICE_UNAVAILABLE,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (status(self.0.code), Json(self.0)).into_response()
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        ApiError::unavailable(e)
    }
}

impl From<DeviceRefusal> for ApiError {
    fn from(r: DeviceRefusal) -> Self {
        ApiError::new(r.code(), r.message_ja(), r.message_en())
    }
}

impl From<DeviceError> for ApiError {
    fn from(e: DeviceError) -> Self {
        match e {
            DeviceError::Refused(r) => r.into(),
            DeviceError::Database(e) => e.into(),
        }
    }
}

impl From<ChainRefusal> for ApiError {
    fn from(r: ChainRefusal) -> Self {
        ApiError::new(r.code(), r.message_ja(), r.message_en())
    }
}

impl From<PushError> for ApiError {
    fn from(e: PushError) -> Self {
        match e {
            PushError::Chain(refusal) => refusal.into(),
            PushError::TooManyEvents { count } => ApiError::new(
                ApiCode::BatchTooLarge,
                format!("一度に送れる記録は{MAX_BATCH_EVENTS}件までです（{count}件）。"),
                format!("A batch carries at most {MAX_BATCH_EVENTS} events ({count} sent)."),
            ),
            PushError::Database(e) => e.into(),
        }
    }
}

impl From<ProofRefusal> for ApiError {
    fn from(e: ProofRefusal) -> Self {
        match e {
            ProofRefusal::BadSizes { from, to, size } => ApiError::new(
                ApiCode::BadTreeSize,
                format!("証明できない大きさです（{from}から{to}へ。台帳は{size}件）。"),
                format!("No proof from {from} to {to}: the log has {size} events."),
            ),
            ProofRefusal::Database(e) => e.into(),
        }
    }
}
