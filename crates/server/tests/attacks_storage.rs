//! Issue 14, storage: a device repeating a refused fork cannot grow the exceptions without
//! bound, and (PostgreSQL) the role the server serves as cannot rewrite the history it holds.

mod common;

use common::{chain, enroll, now_ms, start, Device, Running};
use daicho_core::Event;
use daicho_server::archive;
use serde_json::Value;
use sqlx::AnyPool;

/// `device` pushes `events`: the status and the answer.
async fn push(device: &Device, base: &str, events: &[Event]) -> (u16, Value) {
    common::push_events(device, base, events).await
}

/// Pulls the whole log: its events and the last page's checkpoint.
async fn pull_all(device: &Device, base: &str) -> (Vec<Event>, String) {
    let (mut events, mut after) = (Vec::new(), 0);
    loop {
        let url = format!("{base}/api/events?after={after}");
        let response = device.request(reqwest::Method::GET, &url, b"").send().await;
        let page: Value = response.unwrap().json().await.unwrap();
        let batch: Vec<Event> = serde_json::from_value(page["events"].clone()).unwrap();
        events.extend(batch);
        after = page["cursor"].as_i64().unwrap();
        if page["done"].as_bool().unwrap() {
            return (events, page["checkpoint"].as_str().unwrap().to_string());
        }
    }
}

async fn count(pool: &AnyPool, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(pool)
        .await
        .unwrap()
}

/// The stored bodies of `device`'s events, in seq order.
async fn stored_bodies(pool: &AnyPool, device: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT body FROM events WHERE device = $1 ORDER BY seq")
        .bind(device)
        .fetch_all(pool)
        .await
        .unwrap()
}

/// `verify` of the live database passes, once a pull has had the tree signed up to its end.
async fn pull_and_verify(device: &Device, base: &str, pool: &AnyPool) {
    pull_all(device, base).await;
    assert_verifies(pool).await;
}

async fn assert_verifies(pool: &AnyPool) {
    let outcome = archive::verify_database(pool, None).await.unwrap();
    assert!(outcome.is_ok(), "verify: {outcome:?}");
}

/// One exception's first row and its count: (rows in security_exceptions, occurrences, first
/// raised at, last seen at).
async fn fork_exception(pool: &AnyPool, device: &str) -> (i64, i64, i64, i64) {
    let rows: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM security_exceptions WHERE device = $1 AND code = 'fork'",
    )
    .bind(device)
    .fetch_one(pool)
    .await
    .unwrap();
    let (occurrences, last_seen_at, raised_at): (i64, i64, i64) = sqlx::query_as(
        "SELECT c.occurrences, c.last_seen_at, e.raised_at \
         FROM security_exception_counts c JOIN security_exceptions e \
         ON e.device = c.device AND e.code = c.code AND e.seq = c.seq \
         WHERE c.device = $1 AND c.code = 'fork'",
    )
    .bind(device)
    .fetch_one(pool)
    .await
    .unwrap();
    (rows, occurrences, raised_at, last_seen_at)
}

/// The same fork pushed 50 times: every push refused `409 fork`, nothing of it stored, and one
/// exception that counts 50 and was seen last after it was first raised.
#[tokio::test]
async fn a_fork_pushed_fifty_times_is_one_exception_counted_fifty_times() {
    let data = tempfile::tempdir().unwrap();
    let dist = tempfile::tempdir().unwrap();
    let server = start(data.path(), dist.path()).await;
    let tablet = enroll(&server, "tablet-a", 1).await;
    assert_eq!(
        push(&tablet, &server.base, &chain("tablet-a", 3, "室"))
            .await
            .0,
        200
    );
    let pool = server.open_database().await;
    let kept = stored_bodies(&pool, "tablet-a").await;
    let fork = chain("tablet-a", 3, "別室");
    for attempt in 1..=50 {
        if attempt == 50 {
            // The last one surely a millisecond later than the first.
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        let (status, refusal) = push(&tablet, &server.base, &fork).await;
        assert_eq!((status, refusal["code"].as_str()), (409, Some("fork")));
    }
    let (rows, occurrences, raised_at, last_seen_at) = fork_exception(&pool, "tablet-a").await;
    assert_eq!((rows, occurrences), (1, 50));
    assert!(last_seen_at > raised_at, "{raised_at} → {last_seen_at}");
    assert_eq!(count(&pool, "security_exceptions").await, 1);
    assert_eq!(
        daicho_server::event_log::exception_count(&pool)
            .await
            .unwrap(),
        1
    );
    assert_eq!(count(&pool, "events").await, 3, "nothing of the fork");
    assert_eq!(stored_bodies(&pool, "tablet-a").await, kept);
    pull_and_verify(&tablet, &server.base, &pool).await;
    pool.close().await;
    server.shut_down().await;
}

/// The same fork pushed 20 times at once (the exception is raised outside the push's lock): one
/// row, counted 20 times.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fork_pushed_twenty_times_at_once_is_still_one_exception() {
    let data = tempfile::tempdir().unwrap();
    let dist = tempfile::tempdir().unwrap();
    let server = start(data.path(), dist.path()).await;
    let tablet = std::sync::Arc::new(enroll(&server, "tablet-a", 1).await);
    assert_eq!(
        push(&tablet, &server.base, &chain("tablet-a", 2, "室"))
            .await
            .0,
        200
    );
    let pushes: Vec<_> = (0..20)
        .map(|_| {
            let (tablet, base) = (tablet.clone(), server.base.clone());
            tokio::spawn(async move { push(&tablet, &base, &chain("tablet-a", 2, "別室")).await })
        })
        .collect();
    for push in pushes {
        assert_eq!(push.await.unwrap().1["code"], "fork");
    }
    let pool = server.open_database().await;
    let (rows, occurrences, ..) = fork_exception(&pool, "tablet-a").await;
    assert_eq!((rows, occurrences), (1, 20));
    assert_eq!(count(&pool, "events").await, 2);
    pull_and_verify(&tablet, &server.base, &pool).await;
    pool.close().await;
    server.shut_down().await;
}

/// A fork at another seq is another exception; the same fork from another device too.
#[tokio::test]
async fn forks_at_other_seqs_or_devices_are_other_exceptions() {
    let data = tempfile::tempdir().unwrap();
    let dist = tempfile::tempdir().unwrap();
    let server = start(data.path(), dist.path()).await;
    let a = enroll(&server, "tablet-a", 1).await;
    let b = enroll(&server, "tablet-b", 2).await;
    assert_eq!(
        push(&a, &server.base, &chain("tablet-a", 3, "室")).await.0,
        200
    );
    assert_eq!(
        push(&b, &server.base, &chain("tablet-b", 3, "室")).await.0,
        200
    );
    // tablet-a's seq 3 forked (1 and 2 as stored), twice; its seq 1 forked once; b's once.
    let mut late = chain("tablet-a", 2, "室");
    late.extend(chain("tablet-a", 3, "別室").into_iter().skip(2));
    for (device, batch) in [
        (&a, late.clone()),
        (&a, late),
        (&a, chain("tablet-a", 1, "別室")),
        (&b, chain("tablet-b", 1, "別室")),
    ] {
        assert_eq!(push(device, &server.base, &batch).await.1["code"], "fork");
    }
    let pool = server.open_database().await;
    let counts: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT device, seq, occurrences FROM security_exception_counts ORDER BY device, seq",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let expected = [("tablet-a", 1, 1), ("tablet-a", 3, 2), ("tablet-b", 1, 1)];
    let expected: Vec<(String, i64, i64)> = expected
        .iter()
        .map(|(d, s, n)| (d.to_string(), *s, *n))
        .collect();
    assert_eq!(counts, expected);
    assert_eq!(count(&pool, "security_exceptions").await, 3);
    assert_eq!(count(&pool, "events").await, 6);
    pull_and_verify(&a, &server.base, &pool).await;
    pool.close().await;
    server.shut_down().await;
}

/// The count of an exception may only count on: never renamed, rewound or deleted, not even by
/// the tables' owner (第12条); its first row stays as it was raised.
#[tokio::test]
async fn an_exception_count_only_counts_on() {
    let data = tempfile::tempdir().unwrap();
    let dist = tempfile::tempdir().unwrap();
    let server = start(data.path(), dist.path()).await;
    let tablet = enroll(&server, "tablet-a", 1).await;
    push(&tablet, &server.base, &chain("tablet-a", 2, "室")).await;
    for _ in 0..3 {
        push(&tablet, &server.base, &chain("tablet-a", 2, "別室")).await;
    }
    let pool = server.open_database().await;
    let mut refused = vec![
        "UPDATE security_exception_counts SET occurrences = 1",
        "UPDATE security_exception_counts SET seq = 2",
        "UPDATE security_exception_counts SET device = 'tablet-b'",
        "DELETE FROM security_exception_counts",
        "UPDATE security_exceptions SET raised_at = 0",
    ];
    if common::engine() == "postgres" {
        refused.push("TRUNCATE security_exception_counts");
    }
    for sql in refused {
        let message = sqlx::query(sql)
            .execute(&pool)
            .await
            .unwrap_err()
            .to_string();
        assert!(message.contains("第12条"), "{sql}: {message}");
    }
    let (rows, occurrences, ..) = fork_exception(&pool, "tablet-a").await;
    assert_eq!((rows, occurrences), (1, 3));
    // Counting on is what the endpoint itself does.
    sqlx::query("UPDATE security_exception_counts SET occurrences = occurrences + 1")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(fork_exception(&pool, "tablet-a").await.1, 4);
    assert_eq!(count(&pool, "events").await, 2);
    pull_and_verify(&tablet, &server.base, &pool).await;
    pool.close().await;
    server.shut_down().await;
}

/// Whether an error is PostgreSQL refusing a privilege the role lacks.
fn is_denied(error: &sqlx::Error) -> bool {
    let message = error.to_string();
    message.contains("permission denied") || message.contains("must be owner")
}

/// What the runtime role must never be able to do, on every table of the history.
fn forbidden_statements() -> Vec<String> {
    let mut sql = vec![
        "DROP TRIGGER events_retention ON events".to_string(),
        "ALTER TABLE events DISABLE TRIGGER ALL".into(),
        "ALTER TABLE events ADD COLUMN note TEXT".into(),
        "UPDATE events SET operator = 'someone else'".into(),
        "UPDATE devices SET public_key = 'x'".into(),
        "UPDATE enrollment_codes SET expires_at = 0".into(),
        "CREATE TABLE events_copy (body TEXT)".into(),
        "DROP FUNCTION daicho_refuse_change() CASCADE".into(),
    ];
    for table in [
        "events",
        "log_tree",
        "log_checkpoints",
        "log_keys",
        "rule_breaks",
        "security_exceptions",
        "security_exception_counts",
        "devices",
        "enrollment_codes",
        "_sqlx_migrations",
    ] {
        sql.push(format!("DELETE FROM {table}"));
        sql.push(format!("TRUNCATE {table}"));
        sql.push(format!("DROP TABLE {table} CASCADE"));
    }
    sql
}

/// The server works as the runtime role (enroll, push, a refused fork counted, pull with its
/// checkpoint, revoke), and that role is refused every statement that could rewrite history.
async fn runtime_role_test(server: &Running) {
    let runtime = daicho_server::database::connect(&server.runtime_database)
        .await
        .unwrap();
    let user: String = sqlx::query_scalar("SELECT current_user::text")
        .fetch_one(&runtime)
        .await
        .unwrap();
    assert_eq!(user, common::runtime_role());
    // Enroll with a code the runtime role made, push, repeat a fork, pull.
    let key = ed25519_dalek::SigningKey::from_bytes(&[1; 32]);
    let code = daicho_server::devices::create_code(&runtime, 10, now_ms())
        .await
        .unwrap();
    let enrolled = common::enroll_with(&server.base, &code, "tablet-a", &key).await;
    assert_eq!(enrolled.0, 201, "{enrolled:?}");
    let tablet = Device {
        id: "tablet-a".into(),
        key,
    };
    let reader = enroll(server, "reader", 2).await;
    assert_eq!(
        push(&tablet, &server.base, &chain("tablet-a", 3, "室"))
            .await
            .0,
        200
    );
    for _ in 0..2 {
        let fork = chain("tablet-a", 3, "別室");
        assert_eq!(push(&tablet, &server.base, &fork).await.0, 409);
    }
    let (events, checkpoint) = pull_all(&reader, &server.base).await;
    assert_eq!(events.len(), 3);
    assert!(checkpoint.contains("\n3\n"), "{checkpoint}");
    assert_eq!(fork_exception(&runtime, "tablet-a").await.1, 2);
    // Revoked by the runtime role, the device is refused.
    assert!(
        daicho_server::devices::revoke(&runtime, "tablet-a", now_ms())
            .await
            .unwrap()
    );
    let more = chain("tablet-a", 4, "室");
    let (status, refusal) = push(&tablet, &server.base, &more[3..]).await;
    assert_eq!(
        (status, refusal["code"].as_str()),
        (403, Some("device_revoked"))
    );

    let before = count(&runtime, "events").await;
    for sql in forbidden_statements() {
        let error = sqlx::raw_sql(&sql).execute(&runtime).await.unwrap_err();
        assert!(is_denied(&error), "{sql}: {error}");
    }
    assert_eq!(count(&runtime, "events").await, before);
    assert_eq!(count(&runtime, "devices").await, 2);
    assert_verifies(&runtime).await;
    runtime.close().await;
}

/// PostgreSQL only (SQLite has no roles: README, PostgreSQL): ignored on SQLite, where
/// there is nothing to check; tools/postgres-tests.sh runs it with `--ignored postgres_only_`.
#[tokio::test]
#[ignore = "PostgreSQL only: run by tools/postgres-tests.sh"]
async fn postgres_only_the_runtime_role_can_read_and_append_but_not_rewrite() {
    assert_eq!(
        common::engine(),
        "postgres",
        "this test needs DAICHO_TEST_POSTGRES (tools/postgres-tests.sh)"
    );
    let data = tempfile::tempdir().unwrap();
    let dist = tempfile::tempdir().unwrap();
    let server = start(data.path(), dist.path()).await;
    runtime_role_test(&server).await;
    // The owner's URL given as the server's role: refused at start.
    let refused = daicho_server::database::open_as_runtime(&server.database, &server.database)
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("owns tables"), "{refused:#}");
    let (owner, runtime) = (server.database.clone(), server.runtime_database.clone());
    server.shut_down().await;
    migrate_then_serve_without_the_owner(&owner, &runtime).await;
}

/// `daicho-server migrate` as the owner, then the runtime role alone opens the database (it
/// checks the migrations, applies none); one missing, it refuses to start and says what to run.
async fn migrate_then_serve_without_the_owner(owner_url: &str, runtime_url: &str) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_daicho-server"))
        .env_remove("DATABASE_URL")
        .args(["--migrate-database-url", owner_url])
        .args(["--database-url", runtime_url, "migrate"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let runtime = daicho_server::database::open(runtime_url).await.unwrap();
    runtime.close().await;

    let owner = daicho_server::database::connect(owner_url).await.unwrap();
    sqlx::query(
        "DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)",
    )
    .execute(&owner)
    .await
    .unwrap();
    owner.close().await;
    let stale = daicho_server::database::open(runtime_url)
        .await
        .unwrap_err();
    assert!(
        stale.to_string().contains("lacks migrations") && stale.to_string().contains("migrate"),
        "{stale:#}"
    );
}

/// PostgreSQL's migration of exceptions raised before the counts (SQLite's: database.rs): the
/// duplicated rows stay, each exception is counted once with how many rows it had, and the
/// runtime role then counts it on without a new row.
#[tokio::test]
#[ignore = "PostgreSQL only: run by tools/postgres-tests.sh"]
async fn postgres_only_repeated_exceptions_from_before_the_counts_are_counted_once() {
    let server = std::env::var("DAICHO_TEST_POSTGRES").expect("tools/postgres-tests.sh");
    let name = format!("daicho_test_counts_{}_{}", std::process::id(), now_ms());
    let url = daicho_server::database::create_postgres_database(&server, &name)
        .await
        .unwrap();
    let owner = daicho_server::database::connect(&url).await.unwrap();
    // The migrations before the counts, as an older server applied them.
    let dir = tempfile::tempdir().unwrap();
    let from = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/postgres");
    for entry in std::fs::read_dir(&from).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.as_str() < "0007" {
            std::fs::copy(from.join(&name), dir.path().join(&name)).unwrap();
        }
    }
    let older = sqlx::migrate::Migrator::new(dir.path()).await.unwrap();
    older.run(&owner).await.unwrap();
    for at in [10, 30, 20] {
        sqlx::query(
            "INSERT INTO security_exceptions (device, seq, code, detail, raised_at) \
             VALUES ('tablet-a', 2, 'fork', 'x', $1)",
        )
        .bind(at as i64)
        .execute(&owner)
        .await
        .unwrap();
    }
    owner.close().await;

    let mut runtime_url = url::Url::parse(&url).unwrap();
    runtime_url.set_username(&common::runtime_role()).unwrap();
    let pool = daicho_server::database::open_as_runtime(runtime_url.as_str(), &url)
        .await
        .unwrap();
    let counts: (i64, i64) = sqlx::query_as(
        "SELECT occurrences, last_seen_at FROM security_exception_counts \
         WHERE device = 'tablet-a' AND code = 'fork' AND seq = 2",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(counts, (3, 30));
    let mut tx = daicho_server::database::begin_write(&pool).await.unwrap();
    daicho_server::event_log::insert_exception(&mut tx, "tablet-a", 2, "fork", "again")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let (rows, occurrences, ..) = fork_exception(&pool, "tablet-a").await;
    // fork_exception joins each of the 3 old rows to the one count.
    assert_eq!(occurrences, 4);
    assert_eq!(count(&pool, "security_exceptions").await, 3, "no new row");
    assert_eq!(rows, 3);
    // The database stays, as every test's does: the cluster is thrown away.
    pool.close().await;
}
