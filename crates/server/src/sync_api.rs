//! `/api/events`: devices push batches of their events and pull everyone's. Every refusal has
//! a stable code and a message in Japanese and English.

use crate::devices::{self, DeviceError, DeviceRefusal, SignedRequest};
use crate::event_log::{self, PushError, MAX_BATCH_EVENTS};
use crate::{now_ms, AppState};
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{OriginalUri, Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use daicho_core::Event;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The refusals of the API itself; those of devices and of chains have their own types
/// (`DeviceRefusal`, `ChainRefusal`). Every code is listed in `openapi.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumIter)]
pub enum ApiRefusal {
    WrongContentType,
    MalformedJson,
    MalformedQuery,
    NotOwnEvents,
    BatchTooLarge,
    StorageUnavailable,
}

impl ApiRefusal {
    pub fn code(self) -> &'static str {
        match self {
            ApiRefusal::WrongContentType => "wrong_content_type",
            ApiRefusal::MalformedJson => "malformed_json",
            ApiRefusal::MalformedQuery => "malformed_query",
            ApiRefusal::NotOwnEvents => "not_own_events",
            ApiRefusal::BatchTooLarge => "batch_too_large",
            ApiRefusal::StorageUnavailable => "storage_unavailable",
        }
    }

    fn status(self) -> StatusCode {
        match self {
            ApiRefusal::WrongContentType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiRefusal::MalformedJson | ApiRefusal::MalformedQuery => StatusCode::BAD_REQUEST,
            ApiRefusal::NotOwnEvents => StatusCode::FORBIDDEN,
            ApiRefusal::BatchTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiRefusal::StorageUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn refuse(self, message_ja: String, message_en: String) -> Response {
        refuse(self.status(), self.code(), message_ja, message_en)
    }
}

/// The most events one pull answers with.
pub const MAX_PULL_EVENTS: i64 = 1000;

#[derive(Deserialize)]
pub struct PushRequest {
    pub events: Vec<Event>,
}

#[derive(Deserialize)]
pub struct PullQuery {
    #[serde(default)]
    pub after: i64,
    pub limit: Option<i64>,
}

#[derive(Serialize)]
pub struct PullResponse {
    pub events: Vec<Event>,
    /// Pass as `after` for the next page.
    pub cursor: i64,
    /// True when this page is the end of the log (for now).
    pub done: bool,
}

pub async fn push(
    State(state): State<AppState>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let device = match authenticate(&state, &method, uri.path(), &headers, &body).await {
        Ok(device) => device,
        Err(response) => return response,
    };
    let request: PushRequest = match read_json(&headers, &body) {
        Ok(r) => r,
        Err(response) => return *response,
    };
    // A device pushes its own chain only.
    if request.events.iter().any(|e| e.device.0 != device) {
        return ApiRefusal::NotOwnEvents.refuse(
            "端末は自分の記録だけを送れます。".into(),
            "A device pushes its own events only.".into(),
        );
    }
    match event_log::push(&state.pool, &request.events).await {
        Ok(outcome) => Json(outcome).into_response(),
        Err(PushError::Chain(refusal)) => refuse(
            StatusCode::CONFLICT,
            &refusal.code(),
            refusal.message_ja(),
            refusal.message_en(),
        ),
        Err(PushError::TooManyEvents { count }) => ApiRefusal::BatchTooLarge.refuse(
            format!("一度に送れる記録は{MAX_BATCH_EVENTS}件までです（{count}件）。"),
            format!("A batch carries at most {MAX_BATCH_EVENTS} events ({count} sent)."),
        ),
        Err(PushError::Database(e)) => unavailable(e),
    }
}

/// The body as JSON of type `T`, or the refusal: the same for every request with a body.
fn read_json<T: DeserializeOwned>(headers: &HeaderMap, body: &[u8]) -> Result<T, Box<Response>> {
    if !is_json(headers) {
        return Err(Box::new(ApiRefusal::WrongContentType.refuse(
            "送信の形式が違います（application/json）。".into(),
            "The body must be application/json.".into(),
        )));
    }
    serde_json::from_slice(body).map_err(|e| {
        Box::new(ApiRefusal::MalformedJson.refuse(
            format!("送信された内容が読めません: {e}"),
            format!("The body cannot be read: {e}"),
        ))
    })
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// The enrolled device that signed the request, or the response refusing it.
async fn authenticate(
    state: &AppState,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<String, Response> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let request = SignedRequest {
        device: header("daicho-device"),
        timestamp: header("daicho-timestamp"),
        digest: header("content-digest"),
        signature: header("daicho-signature"),
        method: method.as_str(),
        path,
        body,
    };
    match devices::verify(&state.pool, &request, now_ms()).await {
        Ok(device) => Ok(device),
        Err(DeviceError::Refused(r)) => Err(device_refusal(r)),
        Err(DeviceError::Database(e)) => Err(unavailable(e)),
    }
}

pub(crate) fn device_refusal(r: DeviceRefusal) -> Response {
    let status = match r {
        DeviceRefusal::Unsigned
        | DeviceRefusal::UnknownDevice
        | DeviceRefusal::BadDigest
        | DeviceRefusal::BadSignature
        | DeviceRefusal::ClockSkew => StatusCode::UNAUTHORIZED,
        DeviceRefusal::Revoked => StatusCode::FORBIDDEN,
        _ => StatusCode::BAD_REQUEST,
    };
    refuse(
        status,
        r.code(),
        r.message_ja().into(),
        r.message_en().into(),
    )
}

fn unavailable(e: impl std::fmt::Display) -> Response {
    tracing::error!("storage failed: {e}");
    ApiRefusal::StorageUnavailable.refuse(
        "サーバの記録に失敗しました。後で自動的に再送します。".into(),
        "The server could not store or read the log; try again.".into(),
    )
}

#[derive(Deserialize)]
pub struct EnrollRequest {
    pub code: String,
    pub device: String,
    /// The device's Ed25519 public key: 32 raw bytes, base64.
    pub public_key: String,
}

/// Enrolls a device with a one-time code (the only unsigned request: the device has no
/// enrolled key yet).
pub async fn enroll(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let request: EnrollRequest = match read_json(&headers, &body) {
        Ok(r) => r,
        Err(response) => return *response,
    };
    let result = devices::enroll(
        &state.pool,
        &request.code,
        &request.device,
        &request.public_key,
        now_ms(),
    )
    .await;
    match result {
        Ok(()) => (
            StatusCode::CREATED,
            Json(json!({ "device": request.device })),
        )
            .into_response(),
        Err(DeviceError::Refused(r)) => device_refusal(r),
        Err(DeviceError::Database(e)) => unavailable(e),
    }
}

pub async fn pull(
    State(state): State<AppState>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    query: Result<Query<PullQuery>, QueryRejection>,
) -> Response {
    let device = match authenticate(&state, &method, uri.path(), &headers, b"").await {
        Ok(device) => device,
        Err(response) => return response,
    };
    let Ok(Query(query)) = query else {
        return ApiRefusal::MalformedQuery.refuse(
            "after と limit は整数で指定してください。".into(),
            "after and limit must be integers.".into(),
        );
    };
    let limit = query
        .limit
        .unwrap_or(MAX_PULL_EVENTS)
        .clamp(1, MAX_PULL_EVENTS);
    // A device's own events are never sent back to it.
    match event_log::pull_for(&state.pool, query.after, limit, Some(&device)).await {
        Ok(page) => Json(PullResponse {
            events: page.events,
            cursor: page.cursor,
            done: page.done,
        })
        .into_response(),
        Err(e) => unavailable(e),
    }
}

/// A refusal body. Its code comes from `ApiRefusal`, `DeviceRefusal` or `ChainRefusal`, the
/// types tests/openapi.rs enumerates to hold openapi.json to: add a code there, never here.
fn refuse(status: StatusCode, code: &str, message_ja: String, message_en: String) -> Response {
    let body = json!({ "code": code, "message_ja": message_ja, "message_en": message_en });
    (status, Json(body)).into_response()
}
