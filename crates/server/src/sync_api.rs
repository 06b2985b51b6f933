//! `/api/events`: devices push batches of their events and pull everyone's. Every refusal has
//! a stable code and a message in Japanese and English.

use crate::devices::{self, DeviceError, DeviceRefusal, SignedRequest};
use crate::event_log::{self, PushError, MAX_BATCH_EVENTS};
use crate::transparency::{self, ProofRefusal};
use crate::{now_ms, AppState};
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{FromRequest, OriginalUri, Query, Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use daicho_core::sync_limits::MAX_BODY_BYTES;
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
    BodyTooLarge,
    BadTreeSize,
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
            ApiRefusal::BodyTooLarge => "body_too_large",
            ApiRefusal::BadTreeSize => "bad_tree_size",
            ApiRefusal::StorageUnavailable => "storage_unavailable",
        }
    }

    fn status(self) -> StatusCode {
        match self {
            ApiRefusal::WrongContentType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiRefusal::MalformedJson | ApiRefusal::MalformedQuery | ApiRefusal::BadTreeSize => {
                StatusCode::BAD_REQUEST
            }
            ApiRefusal::NotOwnEvents => StatusCode::FORBIDDEN,
            ApiRefusal::BatchTooLarge | ApiRefusal::BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiRefusal::StorageUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn refuse(self, message_ja: String, message_en: String) -> Response {
        refuse(self.status(), self.code(), message_ja, message_en)
    }
}

const MAX_PULL_EVENTS: i64 = daicho_core::sync_limits::MAX_PULL_EVENTS as i64;

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
    /// The latest signed checkpoint of the log (a C2SP signed note), covering at least this
    /// page: keep it, and ask `/api/log/consistency` from it at the next sync.
    pub checkpoint: String,
}

pub async fn push(
    State(state): State<AppState>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Received(body): Received,
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

/// A request's body as it arrived: the handlers get it, or never run and the client gets the
/// coded refusal — over `MAX_BODY_BYTES` (the router's limit, so a longer body is never read
/// whole), or cut off on the way.
pub struct Received(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for Received {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        Bytes::from_request(request, state)
            .await
            .map(Received)
            .map_err(unreceived)
    }
}

fn unreceived(rejection: BytesRejection) -> Response {
    let mib = MAX_BODY_BYTES / (1024 * 1024);
    match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiRefusal::BodyTooLarge.refuse(
            format!("一度に送れる量は{mib}MiBまでです。"),
            format!("A request body carries at most {mib} MiB."),
        ),
        _ => ApiRefusal::MalformedJson.refuse(
            "送信された内容を最後まで受け取れませんでした。".into(),
            format!("The body could not be read: {}", rejection.body_text()),
        ),
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
pub async fn enroll(
    State(state): State<AppState>,
    headers: HeaderMap,
    Received(body): Received,
) -> Response {
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
        // The log's key comes with the enrollment: the moment the device trusts this server.
        Ok(()) => (
            StatusCode::CREATED,
            Json(json!({ "device": request.device, "log_key": state.log.vkey() })),
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
    let page = match event_log::pull_for(&state.pool, query.after, limit, Some(&device)).await {
        Ok(page) => page,
        Err(e) => return unavailable(e),
    };
    // Read after the page, so it covers every event of it.
    match transparency::checkpoint(&state.pool, &state.log).await {
        Ok(checkpoint) => Json(PullResponse {
            events: page.events,
            cursor: page.cursor,
            done: page.done,
            checkpoint,
        })
        .into_response(),
        Err(e) => unavailable(e),
    }
}

/// The log's public key, as a verifier key (`<name>+<id>+<base64>`) and in parts. Not signed
/// by a device: it is public, and what a device checks checkpoints with.
pub async fn log_key(State(state): State<AppState>) -> Response {
    let verifier = state.log.verifier();
    Json(json!({
        "name": verifier.name,
        "vkey": verifier.vkey(),
        "public_key": BASE64.encode(verifier.key.as_bytes()),
    }))
    .into_response()
}

#[derive(Deserialize)]
pub struct ConsistencyQuery {
    pub from: u64,
    pub to: u64,
}

/// The consistency proof from the tree of `from` events to the tree of `to` (RFC 6962 §2.1.2),
/// each hash base64.
pub async fn consistency(
    State(state): State<AppState>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    query: Result<Query<ConsistencyQuery>, QueryRejection>,
) -> Response {
    if let Err(response) = authenticate(&state, &method, uri.path(), &headers, b"").await {
        return response;
    }
    let Ok(Query(query)) = query else {
        return ApiRefusal::MalformedQuery.refuse(
            "from と to は0以上の整数で指定してください。".into(),
            "from and to must be integers of 0 or more.".into(),
        );
    };
    match transparency::consistency_proof(&state.pool, query.from, query.to).await {
        Ok(proof) => Json(json!({
            "from": query.from,
            "to": query.to,
            "proof": proof.iter().map(|h| BASE64.encode(h)).collect::<Vec<_>>(),
        }))
        .into_response(),
        Err(ProofRefusal::BadSizes { from, to, size }) => ApiRefusal::BadTreeSize.refuse(
            format!("証明できない大きさです（{from}から{to}へ。台帳は{size}件）。"),
            format!("No proof from {from} to {to}: the log has {size} events."),
        ),
        Err(ProofRefusal::Database(e)) => unavailable(e),
    }
}

/// A refusal body. Its code comes from `ApiRefusal`, `DeviceRefusal` or `ChainRefusal`, the
/// types tests/openapi.rs enumerates to hold openapi.json to: add a code there, never here.
fn refuse(status: StatusCode, code: &str, message_ja: String, message_en: String) -> Response {
    let body = json!({ "code": code, "message_ja": message_ja, "message_en": message_en });
    (status, Json(body)).into_response()
}
