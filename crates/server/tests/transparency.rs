//! The transparency log: checkpoints on every pull, consistency proofs between them, a
//! rewritten history caught by the proof a device asks for, archives and the database checked
//! record by record, and the retention triggers that refuse every change of the history.

mod common;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use common::{start, Device, Running};
use daicho_core::checkpoint::{self, Checkpoint, Verifier};
use daicho_core::event::GENESIS_HASH;
use daicho_core::merkle::{self, Hash, ProofError};
use daicho_core::Event;
use daicho_server::archive;
use ed25519_dalek::SigningKey;
use serde_json::Value;

/// A chain of `n` room events of `device`.
fn chain(device: &str, n: u64) -> Vec<Event> {
    common::chain(device, n, "室")
}

/// Enrolls `id`; answers the device and the log key the enrollment answered.
async fn enroll(server: &Running, id: &str, seed: u8) -> (Device, String) {
    let key = SigningKey::from_bytes(&[seed; 32]);
    let code = common::code(server, 10).await;
    let (status, body) = common::enroll_with(&server.base, &code, id, &key).await;
    assert_eq!(status, 201);
    let device = Device { id: id.into(), key };
    (device, body["log_key"].as_str().unwrap().to_string())
}

async fn push(device: &Device, base: &str, events: &[Event]) {
    let (status, answer) = common::push_events(device, base, events).await;
    assert_eq!(status, 200, "{answer}");
}

/// Pulls the whole log as `device`, answering the last page's checkpoint note.
async fn pull_checkpoint(device: &Device, base: &str) -> String {
    let mut after = 0;
    loop {
        let url = format!("{base}/api/events?after={after}");
        let page: Value = device
            .request(reqwest::Method::GET, &url, b"")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        after = page["cursor"].as_i64().unwrap();
        if page["done"].as_bool().unwrap() {
            return page["checkpoint"].as_str().unwrap().to_string();
        }
    }
}

async fn consistency(device: &Device, base: &str, from: u64, to: u64) -> (u16, Value) {
    let url = format!("{base}/api/log/consistency?from={from}&to={to}");
    let response = device
        .request(reqwest::Method::GET, &url, b"")
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

fn hashes(proof: &Value) -> Vec<Hash> {
    proof["proof"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            BASE64
                .decode(h.as_str().unwrap())
                .unwrap()
                .try_into()
                .unwrap()
        })
        .collect()
}

/// What a device does at each sync: opens the new checkpoint with the log's key and checks
/// that it extends the one kept from before.
async fn check_extends(
    device: &Device,
    base: &str,
    verifier: &Verifier,
    old: &Checkpoint,
    note: &str,
) -> Result<Checkpoint, ProofError> {
    let new = checkpoint::open(note, verifier).unwrap();
    let (status, proof) = consistency(device, base, old.size, new.size).await;
    assert_eq!(status, 200, "{proof}");
    merkle::verify_consistency(old.size, &old.root, new.size, &new.root, &hashes(&proof))?;
    Ok(new)
}

#[tokio::test]
async fn every_pull_carries_a_checkpoint_that_extends_the_one_before() {
    let data = tempfile::tempdir().unwrap();
    let dist = tempfile::tempdir().unwrap();
    let server = start(data.path(), dist.path()).await;
    let (tablet, vkey) = enroll(&server, "tablet-a", 1).await;
    let (reader, _) = enroll(&server, "reader", 2).await;
    let published: Value = reqwest::get(format!("{}/api/log/key", server.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        published["vkey"], vkey,
        "the key of the enrollment is the published one"
    );
    assert_eq!(published["name"], "daicho.test/log");
    let verifier = Verifier::from_vkey(&vkey).unwrap();

    let events = chain("tablet-a", 20);
    let empty = checkpoint::open(&pull_checkpoint(&reader, &server.base).await, &verifier).unwrap();
    assert_eq!((empty.size, empty.root), (0, merkle::empty_root()));
    let mut kept = empty;
    for batch in [&events[..3], &events[3..4], &events[4..11], &events[11..]] {
        push(&tablet, &server.base, batch).await;
        let note = pull_checkpoint(&reader, &server.base).await;
        let new = check_extends(&reader, &server.base, &verifier, &kept, &note)
            .await
            .unwrap();
        assert_eq!(new.size, batch.last().unwrap().seq);
        kept = new;
    }
    // The root is the tree of the events' leaves, in pull order.
    let leaves: Vec<Hash> = events.iter().map(Event::leaf_hash).collect();
    assert_eq!(kept.root, merkle::root(&leaves));
    // A proof past the log's end, or backwards, is refused with its code.
    for (from, to) in [(3, 21), (5, 4)] {
        let (status, body) = consistency(&reader, &server.base, from, to).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("bad_tree_size"))
        );
    }
    server.shut_down().await;
}

/// The retention triggers, dropped: only a test (or an attacker with the database) does this.
async fn drop_retention(pool: &sqlx::AnyPool, table: &str) {
    let sql = if common::engine() == "postgres" {
        format!("DROP TRIGGER {table}_retention ON {table}")
    } else {
        format!("DROP TRIGGER {table}_no_update; DROP TRIGGER {table}_no_delete")
    };
    sqlx::raw_sql(&sql).execute(pool).await.unwrap();
}

/// A server that rewrites its history and signs the new one with its own key is caught by the
/// checkpoint a device kept: no consistency proof leads from it to the new tree.
#[tokio::test]
async fn a_rewritten_history_fails_the_consistency_proof() {
    let data = tempfile::tempdir().unwrap();
    let dist = tempfile::tempdir().unwrap();
    let server = start(data.path(), dist.path()).await;
    let (tablet, vkey) = enroll(&server, "tablet-a", 1).await;
    let (other, _) = enroll(&server, "tablet-b", 3).await;
    let (reader, _) = enroll(&server, "reader", 2).await;
    let verifier = Verifier::from_vkey(&vkey).unwrap();
    push(&tablet, &server.base, &chain("tablet-a", 4)).await;
    push(&other, &server.base, &chain("tablet-b", 1)).await;
    let kept = checkpoint::open(&pull_checkpoint(&reader, &server.base).await, &verifier).unwrap();
    assert_eq!(kept.size, 5);

    // tablet-b's event rewritten, re-sealed so its own hash holds, and the whole tree and its
    // checkpoints made again over the rewritten history.
    let pool = server.open_database().await;
    for table in ["events", "log_tree", "log_checkpoints"] {
        drop_retention(&pool, table).await;
    }
    let original = &chain("tablet-b", 1)[0];
    let forged = Event::seal(
        original.device.clone(),
        1,
        original.hlc,
        "someone else".into(),
        original.kind.clone(),
        GENESIS_HASH,
    );
    sqlx::query("UPDATE events SET body = $1, hash = $2, operator = $3 WHERE device = 'tablet-b'")
        .bind(serde_json::to_string(&forged).unwrap())
        .bind(&forged.hash)
        .bind(&forged.operator)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::raw_sql("DELETE FROM log_tree; DELETE FROM log_checkpoints")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    server.shut_down().await;
    // Restarted, the endpoint builds and signs the tree of what it now holds.
    let server = start(data.path(), dist.path()).await;
    push(&tablet, &server.base, &chain("tablet-a", 6)[4..]).await;
    let note = pull_checkpoint(&reader, &server.base).await;
    let signed = checkpoint::open(&note, &verifier).expect("signed by the log's own key");
    assert_eq!(signed.size, 7);
    assert_eq!(
        check_extends(&reader, &server.base, &verifier, &kept, &note).await,
        Err(ProofError::Mismatch)
    );
    server.shut_down().await;
}

/// One byte of one stored event changed in the database: `verify` names the record.
#[tokio::test]
async fn a_byte_changed_in_the_database_is_found_and_the_record_named() {
    let data = tempfile::tempdir().unwrap();
    let dist = tempfile::tempdir().unwrap();
    let server = start(data.path(), dist.path()).await;
    let (tablet, _) = enroll(&server, "tablet-a", 1).await;
    let (reader, _) = enroll(&server, "reader", 2).await;
    push(&tablet, &server.base, &chain("tablet-a", 5)).await;
    pull_checkpoint(&reader, &server.base).await;
    let pool = server.open_database().await;
    let good = archive::verify_database(&pool, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((good.events, good.devices, good.tree_size), (5, 1, 5));

    drop_retention(&pool, "events").await;
    let cases = [
        // The body: 室3 → 室4 (one byte of its UTF-8).
        (
            "UPDATE events SET body = replace(body, '室3', '室4') WHERE seq = 3",
            "event tablet-a:3 (pos 3)",
            "hash does not match",
        ),
        // The hash column beside the body.
        (
            "UPDATE events SET hash = replace(hash, substr(hash, 1, 1), 'x') WHERE seq = 2",
            "event tablet-a:2 (pos 2)",
            "columns differ",
        ),
    ];
    for (sql, record, what) in cases {
        let before: Vec<(String, String)> =
            sqlx::query_as("SELECT body, hash FROM events ORDER BY pos")
                .fetch_all(&pool)
                .await
                .unwrap();
        sqlx::query(sql).execute(&pool).await.unwrap();
        let bad = archive::verify_database(&pool, None)
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(bad.record, record, "{bad}");
        assert!(bad.what.contains(what), "{bad}");
        // Put back for the next case.
        for (pos, (body, hash)) in before.iter().enumerate() {
            sqlx::query("UPDATE events SET body = $1, hash = $2 WHERE pos = $3")
                .bind(body)
                .bind(hash)
                .bind(pos as i64 + 1)
                .execute(&pool)
                .await
                .unwrap();
        }
        assert!(archive::verify_database(&pool, None).await.unwrap().is_ok());
    }
    pool.close().await;
    server.shut_down().await;
}

fn run(args: &[&str], server: &Running, data: &std::path::Path) -> (bool, String) {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_daicho-server"));
    command.arg("--data-dir").arg(data).args(args);
    if common::engine() == "postgres" {
        command.env("DATABASE_URL", &server.database);
    } else {
        command.env_remove("DATABASE_URL");
    }
    let output = command.output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

/// `export` then `verify` of the archive: OK; one byte changed in it: the record named.
#[tokio::test]
async fn an_exported_archive_verifies_and_a_changed_byte_names_its_record() {
    let data = tempfile::tempdir().unwrap();
    let dist = tempfile::tempdir().unwrap();
    let server = start(data.path(), dist.path()).await;
    let (tablet, vkey) = enroll(&server, "tablet-a", 1).await;
    let (other, _) = enroll(&server, "tablet-b", 2).await;
    let events = chain("tablet-a", 6);
    push(&tablet, &server.base, &events[..2]).await;
    push(&other, &server.base, &chain("tablet-b", 2)).await;
    push(&tablet, &server.base, &events[2..]).await;

    let out = data.path().join("archive.jsonl");
    let (ok, text) = run(
        &["export", "--out", out.to_str().unwrap()],
        &server,
        data.path(),
    );
    assert!(ok, "{text}");
    let (ok, text) = run(&["verify", out.to_str().unwrap()], &server, data.path());
    assert!(ok, "{text}");
    assert!(
        text.starts_with("OK: 8 events, 2 devices, tree size 8, root "),
        "{text}"
    );
    let (ok, text) = run(&["verify"], &server, data.path());
    assert!(
        ok && text.starts_with("OK: 8 events"),
        "the live database: {text}"
    );

    let archive = std::fs::read_to_string(&out).unwrap();
    let check =
        |text: &str, key: Option<&str>| archive::verify_archive(text.as_bytes(), key).unwrap();
    assert!(check(&archive, Some(&vkey)).is_ok());
    // One byte of tablet-a:4's line (its operator), written back as the CLI reads it.
    let line = archive
        .lines()
        .position(|l| l.contains("\"室4\"") && l.contains("tablet-a"))
        .unwrap();
    let damaged = change_byte(&archive, line, "\"kanri\"", "\"kanrj\"");
    std::fs::write(&out, &damaged).unwrap();
    let (ok, text) = run(&["verify", out.to_str().unwrap()], &server, data.path());
    assert!(!ok);
    assert!(
        text.contains("BAD: first bad record: event tablet-a:4 (pos 6): its hash does not match"),
        "{text}"
    );
    // A checkpoint's root changed: its signature fails.
    let last = archive.lines().count() - 1;
    let bad_note = change_byte(&archive, last, "\\n8\\n", "\\n9\\n");
    let bad = check(&bad_note, None).unwrap_err();
    assert_eq!(bad.record, "checkpoint 8");
    // A line broken as JSON is named by its line and the pos it still shows.
    let broken = change_byte(&archive, line, "\"event\":{", "\"event\":[");
    let bad = check(&broken, None).unwrap_err();
    assert_eq!(bad.record, format!("line {} (event at pos 6)", line + 1));
    // Another log's key pinned: the checkpoints are not its.
    let foreign = Verifier::new("daicho.test/log", &[9; 32]).map(|v| v.vkey());
    if let Ok(foreign) = foreign {
        let bad = check(&archive, Some(&foreign)).unwrap_err();
        assert!(bad.record.starts_with("checkpoint"), "{bad}");
    }
    server.shut_down().await;
}

fn change_byte(text: &str, line: usize, from: &str, to: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    assert!(lines[line].contains(from), "{}", lines[line]);
    lines[line] = lines[line].replacen(from, to, 1);
    lines.join("\n") + "\n"
}

/// Every way the history could be edited or deleted through the database is refused, with a
/// message naming 第12条, and nothing changes.
#[tokio::test]
async fn retention_refuses_every_update_and_delete_of_the_history() {
    let data = tempfile::tempdir().unwrap();
    let dist = tempfile::tempdir().unwrap();
    let server = start(data.path(), dist.path()).await;
    let (tablet, _) = enroll(&server, "tablet-a", 1).await;
    let (reader, _) = enroll(&server, "reader", 2).await;
    push(&tablet, &server.base, &chain("tablet-a", 3)).await;
    pull_checkpoint(&reader, &server.base).await;
    let pool = server.open_database().await;
    let pg = common::engine() == "postgres";
    // Rows in every append-only table, so a refusal is not just an empty table.
    sqlx::raw_sql(
        "INSERT INTO security_exceptions (device, seq, code, detail, raised_at) \
         VALUES ('tablet-a', 1, 'fork', 'x', 0); \
         INSERT INTO rule_breaks (record, code, room_id, person_id, at_ms, body, raised_at) \
         VALUES ('tablet-a:1', 'c', 'r', 'p', 0, '{}', 0)",
    )
    .execute(&pool)
    .await
    .unwrap();
    let tables = [
        ("events", "operator = 'x'"),
        ("log_tree", "hash = 'x'"),
        ("log_checkpoints", "note = 'x'"),
        ("log_keys", "vkey = 'x'"),
        ("security_exceptions", "detail = 'x'"),
        ("rule_breaks", "body = 'x'"),
    ];
    for (table, set) in tables {
        let count = |pool: sqlx::AnyPool| async move {
            let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(&pool)
                .await
                .unwrap();
            n
        };
        let before = count(pool.clone()).await;
        assert!(before > 0, "{table}");
        let mut statements = vec![
            format!("UPDATE {table} SET {set}"),
            format!("DELETE FROM {table}"),
        ];
        if pg {
            statements.push(format!("TRUNCATE {table}"));
        }
        for sql in statements {
            let refused = sqlx::query(&sql).execute(&pool).await.unwrap_err();
            let message = refused.to_string();
            assert!(
                message.contains("第12条") && message.contains("seven years"),
                "{sql}: {message}"
            );
        }
        assert_eq!(
            count(pool.clone()).await,
            before,
            "{table}: nothing changed"
        );
    }
    // A device may be revoked (an update) but never deleted: its key checks its events.
    assert!(sqlx::query("DELETE FROM devices")
        .execute(&pool)
        .await
        .is_err());
    assert!(
        daicho_server::devices::revoke(&pool, "tablet-a", daicho_server::now_ms())
            .await
            .unwrap()
    );
    // And still the whole history verifies.
    assert!(archive::verify_database(&pool, None).await.unwrap().is_ok());
    pool.close().await;
    // The API has no route that deletes or edits (tests/openapi.rs: DELETE is 405 everywhere).
    let routes = daicho_server::api_routes();
    assert!(routes
        .iter()
        .all(|(_, m)| [reqwest::Method::GET, reqwest::Method::POST].contains(m)));
    server.shut_down().await;
}
