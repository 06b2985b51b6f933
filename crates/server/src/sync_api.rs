//! The handlers of `/api/…` (the wire types are daicho-core's `api`): devices enroll, push
//! batches of their events and pull everyone's, and check the log. What a request carries is
//! read and its signature checked before a handler runs (`extract`); every refusal is an
//! `ApiError`, with a stable code and a message in Japanese and English.

use crate::api_error::ApiError;
use crate::extract::{EnrollAttempt, JsonBody, SignedDevice, SignedJson};
use crate::{devices, event_log, now_ms, transparency, AppState};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use daicho_core::api::{
    ApiCode, ConsistencyProof, ConsistencyQuery, EnrollRequest, Enrolled, LogKey, PullQuery,
    PullResponse, PushOutcome, PushRequest,
};

const MAX_PULL_EVENTS: i64 = daicho_core::sync_limits::MAX_PULL_EVENTS as i64;

pub async fn push(
    State(state): State<AppState>,
    SignedJson { device, body }: SignedJson<PushRequest>,
) -> Result<Json<PushOutcome>, ApiError> {
    // A device pushes its own chain only.
    if body.events.iter().any(|e| e.device.0 != device) {
        return Err(ApiError::new(
            ApiCode::NotOwnEvents,
            "端末は自分の記録だけを送れます。",
            "A device pushes its own events only.",
        ));
    }
    Ok(Json(
        event_log::push(&state.pool, &state.log, &state.rules, &body.events).await?,
    ))
}

/// Enrolls a device with a one-time code (the only unsigned request: the device has no
/// enrolled key yet). Attempts are limited per client address, so codes cannot be guessed.
pub async fn enroll(
    State(state): State<AppState>,
    _: EnrollAttempt,
    JsonBody(request): JsonBody<EnrollRequest>,
) -> Result<(StatusCode, Json<Enrolled>), ApiError> {
    let EnrollRequest {
        code,
        device,
        public_key,
    } = request;
    devices::enroll(&state.pool, &code, &device, &public_key, now_ms()).await?;
    // The log's key comes with the enrollment: the moment the device trusts this server.
    let log_key = Some(state.log.vkey());
    Ok((StatusCode::CREATED, Json(Enrolled { device, log_key })))
}

pub async fn pull(
    State(state): State<AppState>,
    SignedDevice { device }: SignedDevice,
    query: Result<Query<PullQuery>, QueryRejection>,
) -> Result<Json<PullResponse>, ApiError> {
    let Ok(Query(query)) = query else {
        return Err(ApiError::new(
            ApiCode::MalformedQuery,
            "after と limit は整数で指定してください。",
            "after and limit must be integers.",
        ));
    };
    let limit = query
        .limit
        .unwrap_or(MAX_PULL_EVENTS)
        .clamp(1, MAX_PULL_EVENTS);
    // A device's own events are never sent back to it.
    let page = event_log::pull_for(&state.pool, query.after, limit, Some(&device)).await?;
    // Read after the page, so it covers every event of it.
    let checkpoint = transparency::checkpoint(&state.pool, &state.log).await?;
    Ok(Json(PullResponse {
        events: page.events,
        cursor: page.cursor,
        done: page.done,
        checkpoint: Some(checkpoint),
    }))
}

/// The log's public key, as a verifier key (`<name>+<id>+<base64>`) and in parts. Not signed
/// by a device: it is public, and what a device checks checkpoints with.
pub async fn log_key(State(state): State<AppState>) -> Json<LogKey> {
    let verifier = state.log.verifier();
    Json(LogKey {
        public_key: BASE64.encode(verifier.key.as_bytes()),
        vkey: verifier.vkey(),
        name: verifier.name,
    })
}

/// The consistency proof from the tree of `from` events to the tree of `to` (RFC 6962 §2.1.2).
pub async fn consistency(
    State(state): State<AppState>,
    _: SignedDevice,
    query: Result<Query<ConsistencyQuery>, QueryRejection>,
) -> Result<Json<ConsistencyProof>, ApiError> {
    let Ok(Query(query)) = query else {
        return Err(ApiError::new(
            ApiCode::MalformedQuery,
            "from と to は0以上の整数で指定してください。",
            "from and to must be integers of 0 or more.",
        ));
    };
    let proof = transparency::consistency_proof(&state.pool, query.from, query.to).await?;
    Ok(Json(ConsistencyProof::new(query.from, query.to, &proof)))
}
