//! Daichō's shared endpoint: serves the PWA and its API, with its state in SQLite or PostgreSQL.

mod api_error;
pub mod archive;
pub mod config;
mod connections;
pub mod database;
pub mod devices;
mod enroll_limit;
pub mod event_log;
mod extract;
pub mod log_key;
pub mod rule_check;
pub mod runtime_role;
pub mod sign_in_check;
mod static_files;
mod sync_api;
pub mod transparency;

use api_error::ApiError;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::handler::Handler;
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, on, MethodFilter, MethodRouter};
use axum::{Json, Router};
use daicho_core::api::{paths, ApiCode, Health, HealthStatus};
use daicho_core::sync_limits::MAX_BODY_BYTES;
use database::Engine;
use enroll_limit::EnrollLimiter;
use extract::OptionalDevice;
use log_key::LogKey;
use rule_check::RuleCache;
use sqlx::AnyPool;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;

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
    /// The rule kinds folded so far, for the pushes' re-check.
    pub(crate) rules: Arc<RuleCache>,
    /// How long a request's whole body may take to arrive.
    pub(crate) body_timeout: Duration,
    pub(crate) enroll_limiter: Arc<EnrollLimiter>,
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
    let state = AppState {
        pool,
        log,
        rules: Arc::default(),
        body_timeout: config.body_timeout(),
        enroll_limiter: Arc::new(EnrollLimiter::new(
            config.enroll_burst,
            Duration::from_secs(config.enroll_interval),
        )),
    };
    let api = endpoints()
        .into_iter()
        .fold(Router::new(), |router, e| router.route(e.path, e.handler))
        // A known path asked with another method: coded, with the `Allow` header kept.
        .method_not_allowed_fallback(method_not_allowed)
        // An unknown path under /api/ is no route of the app: coded, never the app's page.
        .route("/api", any(not_found))
        .route("/api/{*rest}", any(not_found))
        // A body is read up to the limit and no further; the extractors answer `body_too_large`.
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        // The API's answers (a pulled page of a thousand events above all) compressed for a
        // client that accepts brotli or gzip; the static files come precompressed instead.
        .layer(CompressionLayer::new().br(true).gzip(true))
        .with_state(state);
    api.merge(static_files::router(&config.dist_dir))
        .layer(axum::middleware::from_fn(refuse_declared_oversize))
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        ApiCode::MethodNotAllowed,
        "このアドレスはその方法（メソッド）では使えません。",
        "This path does not take that method (see the Allow header).",
    )
}

async fn not_found() -> ApiError {
    ApiError::new(
        ApiCode::NotFound,
        "そのようなAPIはありません。",
        "There is no such API path.",
    )
}

/// A request whose `Content-Length` is over the limit is refused before any of its body is
/// read: the client is not left waiting to send what would be refused anyway.
async fn refuse_declared_oversize(request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
        return extract::body_too_large().into_response();
    }
    next.run(request).await
}

/// Liveness for anyone (status and version); the log's figures only to an enrolled device
/// that signs the request (they tell an outsider how busy and how troubled the town is).
async fn health(
    State(state): State<AppState>,
    OptionalDevice(device): OptionalDevice,
) -> Json<Health> {
    let alive = sqlx::query("SELECT 1").execute(&state.pool).await.is_ok();
    let mut health = Health {
        database: None,
        events: None,
        rule_breaks: None,
        security_exceptions: None,
        status: if alive {
            HealthStatus::Ok
        } else {
            HealthStatus::DatabaseUnavailable
        },
        version: env!("CARGO_PKG_VERSION").into(),
    };
    if device.is_some() {
        let pool = &state.pool;
        health.database = Some(Engine::of(pool).name().into());
        health.events = database::event_count(pool).await.ok();
        health.rule_breaks = rule_check::count(pool).await.ok();
        health.security_exceptions = event_log::exception_count(pool).await.ok();
    }
    Json(health)
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
    let limits = connections::Limits {
        max_connections: config.max_connections as usize,
        header_timeout: config.header_timeout(),
    };
    connections::serve(listener, router, limits, shutdown).await;
    pool.close().await;
    Ok(())
}
