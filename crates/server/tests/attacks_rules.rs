//! The rule re-check against a batch built to make it expensive (issue 14): a thousand
//! revocations over three thousand loans. Every break is found once and nothing else is
//! raised, and another device's push meanwhile is answered (not `storage_unavailable`). Its
//! time is the bench's to measure (tools/bench.sh), not a test's.

mod common;

use common::{enroll, push_events, rows, start, verifies};
use daicho_core::event::GENESIS_HASH;
use daicho_core::key_log::{KeyDefined, KeyLent};
use daicho_core::room::default_rooms;
use daicho_core::room_permit::{PermissionGranted, PermitRevoked};
use daicho_core::{DeviceId, Event, EventId, EventKind, Hlc};

const PEOPLE: usize = 1000;
const LOANS_EACH: usize = 3;

fn at_minute(minute: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(1_790_000_000_000 + minute * 60_000).unwrap()
}

/// `kinds` as `device`'s chain, each recorded (by its clock) at the minute given beside it.
fn sealed(device: &str, kinds: Vec<(i64, EventKind)>) -> Vec<Event> {
    let mut events: Vec<Event> = Vec::new();
    for (n, (minute, kind)) in kinds.into_iter().enumerate() {
        let prev = events
            .last()
            .map_or(GENESIS_HASH.into(), |e| e.hash.clone());
        let hlc = Hlc {
            wall_ms: at_minute(minute).timestamp_millis(),
            counter: n as u32,
        };
        let id = DeviceId(device.into());
        events.push(Event::seal(
            id,
            n as u64 + 1,
            hlc,
            "kanri".into(),
            kind,
            &prev,
        ));
    }
    events
}

/// The key the branch's `n`-th loan lends.
fn loan_key(n: usize) -> String {
    format!("key-loan-{n}")
}

fn person(i: usize) -> String {
    format!("person-{i}")
}

/// Head office: the level-2 room, its key, a standing permission for each person (seq 3…), a
/// key of its own for each loan the branch makes (one holder a key at a time: the same key
/// lent to a thousand people at once would be a thousand conflicts), then a revocation of each
/// permission from minute 25.
fn head_office() -> (Vec<Event>, Vec<Event>) {
    let room = default_rooms().remove(1);
    let mut kinds = vec![
        (0, EventKind::RoomDefined(room.clone())),
        (
            0,
            EventKind::KeyDefined(KeyDefined {
                id: "key-1".into(),
                room_id: room.id.clone(),
                label: "電算室の鍵".into(),
            }),
        ),
    ];
    kinds.extend((0..PEOPLE).map(|i| {
        let grant = PermissionGranted {
            person_id: person(i),
            room_id: room.id.clone(),
            from: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            to: None,
            granted_by: "kanri".into(),
        };
        (1, EventKind::PermissionGranted(grant))
    }));
    kinds.extend((0..PEOPLE * LOANS_EACH).map(|n| {
        let key = KeyDefined {
            id: loan_key(n),
            room_id: room.id.clone(),
            label: format!("電算室の鍵 {n}"),
        };
        (1, EventKind::KeyDefined(key))
    }));
    kinds.extend((0..PEOPLE).map(|i| {
        let permit = EventId {
            device: DeviceId("head".into()),
            seq: i as u64 + 3,
        };
        let revoked = PermitRevoked {
            permit,
            at: at_minute(25),
            reason: "異動".into(),
            revoked_by: "kanri".into(),
        };
        (25, EventKind::PermitRevoked(revoked))
    }));
    let mut all = sealed("head", kinds);
    let revocations = all.split_off(2 + PEOPLE + PEOPLE * LOANS_EACH);
    (all, revocations)
}

/// The branch lends the key to every person at minutes 10, 20 and 30, offline: only the
/// loan at 30 falls after the revocation.
fn branch_loans() -> Vec<Event> {
    let kinds = (0..PEOPLE * LOANS_EACH).map(|n| {
        let minute = 10 * (n / PEOPLE + 1) as i64;
        let lent = KeyLent {
            key_id: loan_key(n),
            person_id: person(n % PEOPLE),
            purpose: "保守".into(),
            lent_at: at_minute(minute),
            due_back: at_minute(minute + 5),
            lent_by: "kanri".into(),
        };
        (minute, EventKind::KeyLent(lent))
    });
    sealed("branch", kinds.collect())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_revocations_over_three_thousand_loans_raise_each_break_once() {
    let data = tempfile::tempdir().unwrap();
    let dist = tempfile::tempdir().unwrap();
    let server = start(data.path(), dist.path()).await;
    let head = enroll(&server, "head", 1).await;
    let branch = enroll(&server, "branch", 2).await;
    let other = enroll(&server, "other", 3).await;
    let (setup, revocations) = head_office();
    for part in setup.chunks(1000) {
        assert_eq!(push_events(&head, &server.base, part).await.0, 200);
    }
    for part in branch_loans().chunks(1000) {
        let answer = push_events(&branch, &server.base, part).await;
        assert_eq!((answer.0, &answer.1["rule_breaks"]), (200, &0.into()));
    }

    let base = server.base.clone();
    let revoking = tokio::spawn(async move { push_events(&head, &base, &revocations).await });
    let one = common::chain("other", 1, "室");
    let meanwhile = push_events(&other, &server.base, &one).await;
    assert_eq!(meanwhile.0, 200, "another device's push: {}", meanwhile.1);
    let revoked = revoking.await.unwrap();
    assert_eq!(revoked.0, 200, "{}", revoked.1);
    assert_eq!(revoked.1["rule_breaks"], PEOPLE, "{}", revoked.1);

    // Exactly the loans at minute 30: the branch's seqs after the first two rounds.
    let pool = server.open_database().await;
    let raised: Vec<String> = sqlx::query_scalar("SELECT record FROM rule_breaks ORDER BY record")
        .fetch_all(&pool)
        .await
        .unwrap();
    pool.close().await;
    let mut expected: Vec<String> = (2 * PEOPLE + 1..=3 * PEOPLE)
        .map(|seq| format!("branch:{seq}"))
        .collect();
    expected.sort();
    assert_eq!(raised, expected);
    let keys = PEOPLE * LOANS_EACH;
    assert_eq!(
        rows(&server, "events").await as usize,
        2 + PEOPLE * 5 + keys + 1
    );
    verifies(&server).await;
    server.shut_down().await;
}

/// The re-check of a revocation reads a person's loans and entries through the index built on
/// the same expression (`events_person_time`), never by scanning every loan since; the rule
/// of one room at a time reads a person's lines by the moment entered
/// (`events_entry_person_entered`) and their exits by the entry they close
/// (`events_exit_entry`).
#[tokio::test]
async fn the_re_checks_reads_go_through_their_indexes() {
    use daicho_server::database::Engine;
    use daicho_server::rule_check::{entries_between_sql, exits_of_sql, records_of_sql};
    let data = tempfile::tempdir().unwrap();
    let dist = tempfile::tempdir().unwrap();
    let server = start(data.path(), dist.path()).await;
    let pool = server.open_database().await;
    let mut conn = pool.acquire().await.unwrap();
    let engine = Engine::of_connection(&conn);
    let (explain, plan_column) = match engine {
        Engine::Sqlite => ("EXPLAIN QUERY PLAN", "detail"),
        Engine::Postgres => {
            // On a table this small the planner would rather scan: ask whether it can use it.
            sqlx::query("SET enable_seqscan = off")
                .execute(&mut *conn)
                .await
                .unwrap();
            ("EXPLAIN", "QUERY PLAN")
        }
    };
    let statements: [(String, Vec<Binding>, &str); 3] = [
        (
            records_of_sql(engine, 2),
            vec![
                Binding::Int(0),
                Binding::Text("person-1"),
                Binding::Text("person-2"),
            ],
            "events_person_time",
        ),
        (
            entries_between_sql(engine).to_string(),
            vec![Binding::Text("person-1"), Binding::Int(0), Binding::Int(1)],
            "events_entry_person_entered",
        ),
        (
            exits_of_sql(engine, 2),
            vec![Binding::Text("head:1"), Binding::Text("head:2")],
            "events_exit_entry",
        ),
    ];
    for (sql, bindings, index) in statements {
        let explained = format!("{explain} {sql}");
        let mut query = sqlx::query(&explained);
        for binding in bindings {
            query = match binding {
                Binding::Int(n) => query.bind(n),
                Binding::Text(t) => query.bind(t),
            };
        }
        let rows = query.fetch_all(&mut *conn).await.unwrap();
        let plan: Vec<String> = rows
            .iter()
            .map(|row| sqlx::Row::get::<String, _>(row, plan_column))
            .collect();
        assert!(
            plan.iter().any(|line| line.contains(index)),
            "{sql}: {plan:#?}"
        );
    }
    drop(conn);
    pool.close().await;
    server.shut_down().await;
}

/// A parameter of a statement whose plan is asked for.
enum Binding {
    Int(i64),
    Text(&'static str),
}
