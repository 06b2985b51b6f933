//! The worst rule re-check (part of `tools/bench.sh`, never a test): a town's office pushes one
//! batch of 1,000 `permit_revoked` over 2,000 key loans (each returned) and 1,000 entries that
//! those permits covered, recorded by another tablet; meanwhile a third tablet pushes one event
//! at a time. Printed: the revocation push's time beside a push of 1,000 events that re-check
//! nothing, and the one-event push's latency during it beside the same push on the idle server,
//! all measured in this run against a server on 127.0.0.1 (a fresh SQLite file).

mod bench_support;

use bench_support::{common, median, push, Sealer};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use daicho_core::key_log::{KeyLent, KeyReturned};
use daicho_core::people::{PersonDefined, PersonKind};
use daicho_core::room_permit::{PermissionGranted, PermitRevoked};
use daicho_core::test_town::{self, ADMIN, STAFF};
use daicho_core::{EntryRecorded, Event, EventKind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

const PEOPLE: usize = 1000;
const LOANS: usize = 2000;
const ENTRIES: usize = 1000;
/// Long enough to measure the slowest push whole, rather than give up on it.
const TIMEOUT: Duration = Duration::from_secs(600);

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = bench_support::start(dir.path()).await;
    let office = common::enroll(&server, "office", 1).await;
    let tablet = common::enroll(&server, "tablet-b", 2).await;
    let other = common::enroll(&server, "tablet-c", 3).await;
    // Everything happened a month ago, a minute apart, the revocations first of all (so each
    // one covers every loan and entry after it).
    let now = DateTime::from_timestamp_millis(daicho_server::now_ms()).expect("in range");
    let start = now - TimeDelta::days(30);
    let mut office_chain = Sealer::new("office");
    let mut tablet_chain = Sealer::new("tablet-b");
    let mut other_chain = Sealer::new("tablet-c");

    let (town, permits) = town(&mut office_chain, start);
    push_all(&server, &office, &town).await?;
    push_all(&server, &tablet, &loans(&mut tablet_chain, start)).await?;

    let mut one_event = || {
        let entry = entry(STAFF[0], "default-level-1", start);
        vec![other_chain.seal(EventKind::EntryRecorded(entry), STAFF[0], wall(start))]
    };
    let mut idle: Vec<f64> = Vec::new();
    for _ in 0..20 {
        idle.push(expect_ok(
            push(&server.base, &other, &one_event(), TIMEOUT).await,
        )?);
    }
    let floor_batch = people(&mut office_chain, "floor", start);
    let floor = expect_ok(push(&server.base, &office, &floor_batch, TIMEOUT).await)?;

    let revocations = revocations(&mut office_chain, &permits, start);
    let done = AtomicBool::new(false);
    let revoking = async {
        let pushed = push(&server.base, &office, &revocations, TIMEOUT).await;
        done.store(true, Ordering::Relaxed);
        pushed
    };
    // One push after another until the revocation has answered (each its own event: a
    // refused one is lost to the chain, so the loop stops at the first refusal).
    let during = async {
        let mut during: Vec<(u16, f64)> = Vec::new();
        while !done.load(Ordering::Relaxed) {
            let p = push(&server.base, &other, &one_event(), TIMEOUT).await;
            during.push((p.status, p.seconds));
            if p.status != 200 {
                break;
            }
        }
        during
    };
    let (revoked, during) = tokio::join!(revoking, during);
    let revoked = expect_ok(revoked)?;

    let mut during_ok: Vec<f64> = during.iter().filter(|d| d.0 == 200).map(|d| d.1).collect();
    let worst = during.iter().map(|d| d.1).fold(0.0, f64::max);
    let refused: Vec<String> = during
        .iter()
        .filter(|d| d.0 != 200)
        .map(|(status, seconds)| format!("{status} after {seconds:.2} s"))
        .collect();
    println!(
        "\nDaichō worst re-check ({} engine, {PEOPLE} permit_revoked over {LOANS} key_lent + {ENTRIES} entries)",
        common::engine()
    );
    println!(
        "revocation push: {revoked:.2} s  vs a 1,000-event push that re-checks nothing {floor:.2} s → {:.1}× floor",
        revoked / floor
    );
    println!(
        "another device's one-event push during it: {} pushes, worst {worst:.3} s, median of those answered 200 {:.3} s, refused: {refused:?}  vs idle median {:.3} s",
        during.len(),
        median(&mut during_ok),
        median(&mut idle)
    );
    server.shut_down().await;
    Ok(())
}

fn expect_ok(pushed: bench_support::Pushed) -> anyhow::Result<f64> {
    let (status, seconds) = (pushed.status, pushed.seconds);
    anyhow::ensure!(
        status == 200,
        "a push answered {status} after {seconds:.1} s"
    );
    Ok(pushed.seconds)
}

async fn push_all(
    server: &common::Running,
    device: &common::Device,
    events: &[Event],
) -> anyhow::Result<()> {
    for batch in events.chunks(1000) {
        expect_ok(push(&server.base, device, batch, TIMEOUT).await)?;
    }
    Ok(())
}

fn wall(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

fn person_name(prefix: &str, n: usize) -> String {
    format!("{prefix}-{n:04}")
}

/// The office's setup: the rooms and positions every tablet seeds, the test town's people,
/// keys and permissions, then `PEOPLE` staff each permitted into the level-2 room. Returns
/// the events and the permits of those staff.
fn town(chain: &mut Sealer, start: DateTime<Utc>) -> (Vec<Event>, Vec<Event>) {
    let mut events: Vec<Event> = test_town::seeds()
        .into_iter()
        .map(|kind| chain.seal(kind, ADMIN, wall(start)))
        .collect();
    for (kind, operator) in test_town::setup() {
        events.push(chain.seal(kind, operator, wall(start)));
    }
    events.extend(people(chain, "staff", start));
    let from = NaiveDate::from_ymd_opt(2020, 4, 1).expect("a date");
    let permits: Vec<Event> = (0..PEOPLE)
        .map(|n| {
            let grant = PermissionGranted {
                person_id: person_name("staff", n),
                room_id: "default-level-2".into(),
                from,
                to: None,
                granted_by: ADMIN.into(),
            };
            chain.seal(EventKind::PermissionGranted(grant), ADMIN, wall(start))
        })
        .collect();
    events.extend(permits.iter().cloned());
    (events, permits)
}

/// `PEOPLE` staff named `prefix-0000` …
fn people(chain: &mut Sealer, prefix: &str, start: DateTime<Utc>) -> Vec<Event> {
    (0..PEOPLE)
        .map(|n| {
            let person = PersonDefined {
                id: person_name(prefix, n),
                name: format!("{} さん", person_name(prefix, n)),
                affiliation: "総務課".into(),
                kind: PersonKind::Staff,
            };
            chain.seal(EventKind::PersonDefined(person), ADMIN, wall(start))
        })
        .collect()
}

fn entry(person: &str, room: &str, at: DateTime<Utc>) -> EntryRecorded {
    EntryRecorded::new(room, &format!("{person} さん"), "総務課", "点検", true, at).of(person)
}

/// The other tablet's month: `LOANS` loans of the level-2 key to the permitted staff, each
/// returned, and `ENTRIES` entries of theirs into the room, a minute apart.
fn loans(chain: &mut Sealer, start: DateTime<Utc>) -> Vec<Event> {
    let operator = STAFF[0];
    let mut events = Vec::new();
    for n in 0..LOANS {
        let at = start + TimeDelta::minutes(n as i64 + 1);
        let person = person_name("staff", n % PEOPLE);
        let lent = KeyLent {
            key_id: "k2".into(),
            person_id: person.clone(),
            purpose: "点検".into(),
            lent_at: at,
            due_back: at + TimeDelta::hours(2),
            lent_by: ADMIN.into(),
        };
        let loan = chain.seal(EventKind::KeyLent(lent), operator, wall(at));
        let returned = KeyReturned {
            loan: loan.id(),
            returned_at: at + TimeDelta::seconds(30),
            received_by: ADMIN.into(),
        };
        events.push(loan);
        if n < ENTRIES {
            let kind = EventKind::EntryRecorded(entry(&person, "default-level-2", at));
            events.push(chain.seal(kind, operator, wall(at)));
        }
        let returned_wall = wall(at + TimeDelta::seconds(30));
        events.push(chain.seal(EventKind::KeyReturned(returned), operator, returned_wall));
    }
    events
}

/// One revocation of each permit, at the town's start.
fn revocations(chain: &mut Sealer, permits: &[Event], start: DateTime<Utc>) -> Vec<Event> {
    permits
        .iter()
        .map(|permit| {
            let revocation = PermitRevoked {
                permit: permit.id(),
                at: start,
                reason: "異動".into(),
                revoked_by: ADMIN.into(),
            };
            chain.seal(EventKind::PermitRevoked(revocation), ADMIN, wall(start))
        })
        .collect()
}
