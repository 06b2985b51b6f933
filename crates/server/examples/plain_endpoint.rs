//! The floor of the sync bench (tools/bench.sh, never a test): the same records as one plain
//! unsigned JSON POST into one SQLite transaction, and one plain GET of them all. No
//! signature, no chain check, no rules: what any sync must at least pay. A POST replaces what
//! the endpoint held, so the GET after it returns exactly the records posted (the bench posts
//! once per run; a GET of every earlier run's records too would inflate the floor).
//!
//! Usage: plain_endpoint <port> <sqlite file>

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::Router;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [port, file] = args.as_slice() else {
        anyhow::bail!("usage: plain_endpoint <port> <sqlite file>");
    };
    let options = SqliteConnectOptions::new()
        .filename(file)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal);
    let pool = SqlitePool::connect_with(options).await?;
    sqlx::query("CREATE TABLE IF NOT EXISTS plain (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        .execute(&pool)
        .await?;
    let app = Router::new()
        // A blank page of this origin, for the bench's fetches and IndexedDB.
        .route(
            "/",
            get(|| async { Html("<!doctype html><title>floor</title>") }),
        )
        .route("/plain", get(read_all).post(store_all))
        // 10,000 events are ~4 MB, over axum's 2 MB default: refused, the floor would time
        // an error answer and pull nothing.
        .layer(DefaultBodyLimit::disable())
        .with_state(pool);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port.parse::<u16>()?)).await?;
    axum::serve(listener, app).await?;
    Ok(())
}

async fn store_all(State(pool): State<SqlitePool>, body: Bytes) -> impl IntoResponse {
    let records: Vec<serde_json::Value> = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return (axum::http::StatusCode::BAD_REQUEST, e.to_string()),
    };
    let mut tx = pool.begin().await.expect("begin");
    sqlx::query("DELETE FROM plain")
        .execute(&mut *tx)
        .await
        .expect("delete");
    for record in &records {
        sqlx::query("INSERT INTO plain (body) VALUES (?)")
            .bind(record.to_string())
            .execute(&mut *tx)
            .await
            .expect("insert");
    }
    tx.commit().await.expect("commit");
    (axum::http::StatusCode::OK, records.len().to_string())
}

async fn read_all(State(pool): State<SqlitePool>) -> impl IntoResponse {
    let bodies: Vec<String> = sqlx::query_scalar("SELECT body FROM plain ORDER BY id")
        .fetch_all(&pool)
        .await
        .expect("select");
    let json = format!("[{}]", bodies.join(","));
    ([("content-type", "application/json")], json)
}
