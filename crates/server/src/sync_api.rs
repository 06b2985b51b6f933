//! `/api/events`: devices push batches of their events and pull everyone's. Every refusal has
//! a stable code and a message in Japanese and English.

use crate::event_log::{self, PushError, MAX_BATCH_EVENTS};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use daicho_core::Event;
use serde::{Deserialize, Serialize};
use serde_json::json;

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

pub async fn push(State(state): State<AppState>, Json(request): Json<PushRequest>) -> Response {
    match event_log::push(&state.pool, &request.events).await {
        Ok(outcome) => Json(outcome).into_response(),
        Err(PushError::Chain(refusal)) => refuse(
            StatusCode::CONFLICT,
            &refusal.code(),
            refusal.message_ja(),
            refusal.message_en(),
        ),
        Err(PushError::TooManyEvents { count }) => refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            "batch_too_large",
            format!("一度に送れる記録は{MAX_BATCH_EVENTS}件までです（{count}件）。"),
            format!("A batch carries at most {MAX_BATCH_EVENTS} events ({count} sent)."),
        ),
        Err(PushError::Database(e)) => {
            tracing::error!("push failed: {e}");
            refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "storage_unavailable",
                "サーバの記録に失敗しました。後で自動的に再送します。".into(),
                "The server could not store the batch; it will be sent again.".into(),
            )
        }
    }
}

pub async fn pull(State(state): State<AppState>, Query(query): Query<PullQuery>) -> Response {
    let limit = query
        .limit
        .unwrap_or(MAX_PULL_EVENTS)
        .clamp(1, MAX_PULL_EVENTS);
    match event_log::pull(&state.pool, query.after, limit).await {
        Ok((events, cursor)) => {
            let done = (events.len() as i64) < limit;
            Json(PullResponse {
                events,
                cursor,
                done,
            })
            .into_response()
        }
        Err(e) => {
            tracing::error!("pull failed: {e}");
            refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "storage_unavailable",
                "サーバの記録を読めませんでした。".into(),
                "The server could not read the log.".into(),
            )
        }
    }
}

fn refuse(status: StatusCode, code: &str, message_ja: String, message_en: String) -> Response {
    let body = json!({ "code": code, "message_ja": message_ja, "message_en": message_en });
    (status, Json(body)).into_response()
}
