//! Daichō's shared endpoint: serves the PWA and its API, with its state in SQLite or PostgreSQL.

pub mod config;
pub mod database;
pub mod devices;
pub mod event_log;
mod static_files;
mod sync_api;

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use database::Engine;
use serde_json::{json, Value};
use sqlx::AnyPool;
use std::future::Future;
use tokio::net::TcpListener;

pub use config::Config;

/// Now, in milliseconds since the epoch (the clock of refusals, codes and revocations).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) pool: AnyPool,
}

/// The whole HTTP surface: `/api/…` and, for every other path, the PWA.
pub fn app(pool: AnyPool, config: &Config) -> Router {
    let api = Router::new()
        .route("/api/health", get(health))
        .route("/api/events", post(sync_api::push).get(sync_api::pull))
        .route("/api/devices", post(sync_api::enroll))
        .with_state(AppState { pool });
    api.merge(static_files::router(&config.dist_dir))
}

async fn health(State(state): State<AppState>) -> Json<Value> {
    let events = crate::database::event_count(&state.pool).await;
    Json(json!({
        "status": if events.is_ok() { "ok" } else { "database_unavailable" },
        "database": Engine::of(&state.pool).name(),
        "events": events.unwrap_or_default(),
        "version": env!("CARGO_PKG_VERSION"),
    }))
}

/// Serves on `listener` until `shutdown` completes, then closes the database cleanly.
pub async fn serve(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let pool = database::open(&config.database_url()?).await?;
    let router = app(pool.clone(), &config);
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await?;
    pool.close().await;
    Ok(())
}
