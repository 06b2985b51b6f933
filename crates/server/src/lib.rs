//! Daichō's shared endpoint: serves the PWA and its API, with its state in SQLite or PostgreSQL.

mod api_error;
pub mod archive;
pub mod config;
pub mod database;
pub mod devices;
pub mod event_log;
mod extract;
pub mod log_key;
pub mod rule_check;
pub mod runtime_role;
pub mod sign_in_check;
mod static_files;
mod sync_api;
pub mod transparency;

use axum::extract::{DefaultBodyLimit, State};
use axum::handler::Handler;
use axum::http::{header, Method};
use axum::response::IntoResponse;
use axum::routing::{on, MethodFilter, MethodRouter};
use axum::{Json, Router};
use daicho_core::api::{paths, Health, HealthStatus};
use database::Engine;
use log_key::LogKey;
use sqlx::AnyPool;
use std::future::Future;
use std::sync::Arc;
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
    /// The key checkpoints are signed with.
    pub(crate) log: Arc<LogKey>,
}

/// One route of the API: a path, a method and its handler.
struct Endpoint {
    path: &'static str,
    method: Method,
    handler: MethodRouter<AppState>,
}

fn endpoint<H, T>(path: &'static str, method: Method, handler: H) -> Endpoint
where
    H: Handler<T, AppState>,
    T: 'static,
{
    let filter = MethodFilter::try_from(method.clone()).expect("a method axum routes");
    Endpoint {
        path,
        method,
        handler: on(filter, handler),
    }
}

/// Every route of the API. The router is built from this list and nothing else, so the
/// OpenAPI test can hold the document to it.
fn endpoints() -> Vec<Endpoint> {
    vec![
        endpoint(paths::HEALTH, Method::GET, health),
        endpoint(paths::EVENTS, Method::POST, sync_api::push),
        endpoint(paths::EVENTS, Method::GET, sync_api::pull),
        endpoint(paths::DEVICES, Method::POST, sync_api::enroll),
        endpoint(paths::LOG_KEY, Method::GET, sync_api::log_key),
        endpoint(paths::CONSISTENCY, Method::GET, sync_api::consistency),
        endpoint(paths::OPENAPI, Method::GET, openapi),
    ]
}

/// The API's routes as (path, method), for the test that checks the OpenAPI document.
pub fn api_routes() -> Vec<(&'static str, Method)> {
    endpoints()
        .into_iter()
        .map(|e| (e.path, e.method))
        .collect()
}

/// The whole HTTP surface: `/api/…` and, for every other path, the PWA.
pub fn app(pool: AnyPool, log: Arc<LogKey>, config: &Config) -> Router {
    let api = endpoints()
        .into_iter()
        .fold(Router::new(), |router, e| router.route(e.path, e.handler))
        // A body is read up to the limit and no further; the extractors answer `body_too_large`.
        .layer(DefaultBodyLimit::max(
            daicho_core::sync_limits::MAX_BODY_BYTES,
        ))
        .with_state(AppState { pool, log });
    api.merge(static_files::router(&config.dist_dir))
}

async fn health(State(state): State<AppState>) -> Json<Health> {
    let events = crate::database::event_count(&state.pool).await;
    let rule_breaks = rule_check::count(&state.pool).await;
    let exceptions = event_log::exception_count(&state.pool).await;
    Json(Health {
        status: if events.is_ok() {
            HealthStatus::Ok
        } else {
            HealthStatus::DatabaseUnavailable
        },
        database: Engine::of(&state.pool).name().into(),
        events: events.unwrap_or_default(),
        rule_breaks: rule_breaks.unwrap_or_default(),
        security_exceptions: exceptions.unwrap_or_default(),
        version: env!("CARGO_PKG_VERSION").into(),
    })
}

/// The OpenAPI 3.1 document of the API, written by hand (docs/decisions.md says why).
async fn openapi() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("../openapi.json"),
    )
}

/// The log's key, recorded, and the tree brought up to every stored event and signed.
pub async fn open_log(pool: &AnyPool, config: &Config) -> anyhow::Result<LogKey> {
    let key = LogKey::load_or_create(&config.data_dir, config.log_origin.as_deref())?;
    key.record(pool).await?;
    transparency::catch_up(pool).await?;
    transparency::checkpoint(pool, &key).await?;
    Ok(key)
}

/// Serves on `listener` until `shutdown` completes, then closes the database cleanly.
pub async fn serve(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let pool = config.open_database().await?;
    if Engine::of(&pool) == Engine::Postgres && runtime_role::owns_the_tables(&pool).await? {
        tracing::warn!(
            "the server's PostgreSQL role owns the tables: it could drop the retention \
             triggers and rewrite history. Serve as a role that may only read and append \
             (README: PostgreSQL, --migrate-database-url)"
        );
    }
    let log = Arc::new(open_log(&pool, &config).await?);
    let router = app(pool.clone(), log, &config);
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await?;
    pool.close().await;
    Ok(())
}
