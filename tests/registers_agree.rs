//! One derivation for every register, tried in a real browser: three tablets, each its own
//! IndexedDB database, record random acts through the store (the device's own write: what
//! the verdict reads, the verdict, the projection) and sync now and then through an endpoint
//! that hands events over in push order (the pull). A fourth database receives every event
//! in a random order, in pages of random size. At the end each database holds exactly the
//! registers daicho-core's in-memory fold gives for the same events: every record, the
//! logbook's lines, the corrections, and what the door reads.
#![cfg(target_arch = "wasm32")]

use chrono::{Duration, Utc};
use daicho::store::paging::LogQuery;
use daicho::store::Store;
use daicho_core::admission::DoorFacts;
use daicho_core::test_town::{next_act, setup, Rng, STAFF, VISITOR};
use daicho_core::{EntryRecorded, Event, Registers};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A tablet: its database, what it has pushed and pulled, and its view of the registers
/// (folded from the events it holds, to choose acts its clerks would make).
struct Tablet {
    store: Store,
    pushed: u64,
    pulled: usize,
}

impl Tablet {
    async fn open(name: &str) -> Tablet {
        Store::delete(name).await.unwrap();
        Tablet {
            store: Store::open(name).await.unwrap(),
            pushed: 0,
            pulled: 0,
        }
    }

    async fn view(&self) -> Registers {
        Registers::fold(&self.store.events().await.unwrap())
    }
}

/// Pushes what `tablet` recorded since its last push, then pulls the others' new events.
async fn sync(tablet: &mut Tablet, endpoint: &mut Vec<Event>) {
    let me = tablet.store.device().await.unwrap();
    let events = tablet.store.events().await.unwrap();
    let unsent = events
        .into_iter()
        .filter(|e| e.device == me.id && e.seq > tablet.pushed);
    endpoint.extend(unsent);
    tablet.pushed = me.seq;
    let news: Vec<Event> = endpoint[tablet.pulled..]
        .iter()
        .filter(|e| e.device != me.id)
        .cloned()
        .collect();
    tablet.pulled = endpoint.len();
    // The receiver's own clock, not the story's: pulled events are checked against it.
    let applied = tablet
        .store
        .apply_pulled(&news, Utc::now().timestamp_millis());
    applied.await.unwrap();
}

/// Where the store and the fold differ, briefly (`None` when they agree).
async fn difference(store: &Store, fold: &Registers) -> Option<String> {
    let stored = store.records().await.unwrap();
    let folded = fold.records().all();
    for key in stored.keys().chain(folded.keys()) {
        if stored.get(key) != folded.get(key) {
            return Some(format!(
                "{key:?}: stored {:?}, folded {:?}",
                stored.get(key),
                folded.get(key)
            ));
        }
    }
    let mut everything = LogQuery::newest(10_000);
    everything.newest_first = false;
    let lines = store
        .entry_page(None, None, &everything)
        .await
        .unwrap()
        .rows;
    let mut folded_lines = fold.lines();
    folded_lines.sort_by_key(|l| (l.entered_at, l.id.clone()));
    let mut lines_sorted = lines.clone();
    lines_sorted.sort_by_key(|l| (l.entered_at, l.id.clone()));
    if lines_sorted != folded_lines {
        return Some(format!(
            "lines: stored {lines_sorted:?}, folded {folded_lines:?}"
        ));
    }
    if store.corrections().await.unwrap() != *fold.corrections() {
        return Some("corrections".into());
    }
    for (room, person, escort) in door_cases() {
        let entry = EntryRecorded::new(room, "誰か", "総務課", "点検", true, Utc::now())
            .of(person)
            .escorted_by(escort);
        let folded = in_order(fold.door_facts(&entry));
        // The tap's own read, and a read ahead of it (an hour before, as the clerk chose).
        let an_hour_before = entry.entered_at - Duration::hours(1);
        let reads = [
            ("at the tap", store.door_facts(&entry).await.unwrap()),
            (
                "read ahead",
                store
                    .door_facts_read_ahead(&entry, an_hour_before)
                    .await
                    .unwrap(),
            ),
        ];
        for (read, stored) in reads {
            let stored = in_order(stored);
            if stored != folded {
                return Some(format!(
                    "door {room} {person}, {read}: stored {stored:?}, folded {folded:?}"
                ));
            }
        }
    }
    None
}

/// The same facts, whatever order the indexes give them in.
fn in_order(mut facts: DoorFacts) -> DoorFacts {
    facts.permits.sort_by_key(|p| p.id.clone());
    facts.loans_out.sort_by_key(|l| l.id.clone());
    facts
}

fn door_cases() -> Vec<(&'static str, &'static str, Option<&'static str>)> {
    let rooms = ["default-level-1", "default-level-2", "default-level-3"];
    let mut cases = Vec::new();
    for room in rooms {
        for person in STAFF {
            cases.push((room, person, None));
        }
        cases.push((room, VISITOR, Some(STAFF[0])));
    }
    cases
}

/// One story of `steps` random acts on three tablets, checked as the module says.
async fn story(seed: u64, steps: usize) {
    let mut rng = Rng::new(seed);
    let mut tablets = Vec::new();
    for i in 0..3 {
        tablets.push(Tablet::open(&format!("t-agree-{i}")).await);
    }
    let mut endpoint: Vec<Event> = Vec::new();
    let mut now = Utc::now() - Duration::days(2);
    for (kind, operator) in setup() {
        tablets[0].store.record(kind, operator, now).await.unwrap();
    }
    for tablet in &mut tablets {
        sync(tablet, &mut endpoint).await;
    }
    let (mut recorded, mut refused) = (0, 0);
    for _ in 0..steps {
        now += Duration::minutes(1 + rng.below(7) as i64);
        let tablet = &mut tablets[rng.below(3)];
        if rng.chance(20) {
            sync(tablet, &mut endpoint).await;
            continue;
        }
        let Some((kind, operator)) = next_act(&mut rng, &tablet.view().await, now) else {
            continue;
        };
        match tablet.store.record(kind, &operator, now).await {
            Ok(_) => recorded += 1,
            Err(_) => refused += 1,
        }
    }
    for _ in 0..2 {
        for tablet in &mut tablets {
            sync(tablet, &mut endpoint).await;
        }
    }
    assert!(
        recorded > steps / 3,
        "seed {seed}: {recorded} acts recorded, {refused} refused"
    );

    let all = tablets[0].store.events().await.unwrap();
    let fold = Registers::fold(&all);
    for (i, tablet) in tablets.iter().enumerate() {
        assert_eq!(
            tablet.store.event_count().await.unwrap() as usize,
            all.len()
        );
        assert_eq!(
            difference(&tablet.store, &fold).await,
            None,
            "seed {seed}, tablet {i}"
        );
    }

    // Every event, in any order, in pages of any size: the pull path alone.
    let late = Tablet::open("t-agree-any-order").await;
    let mut shuffled = all.clone();
    for i in (1..shuffled.len()).rev() {
        shuffled.swap(i, rng.below(i + 1));
    }
    let mut rest = &shuffled[..];
    while !rest.is_empty() {
        let page = (1 + rng.below(60)).min(rest.len());
        late.store
            .apply_pulled(&rest[..page], Utc::now().timestamp_millis())
            .await
            .unwrap();
        rest = &rest[page..];
    }
    let with_own_seeds = late.store.events().await.unwrap();
    let fold = Registers::fold(&with_own_seeds);
    assert_eq!(
        difference(&late.store, &fold).await,
        None,
        "seed {seed}, any order"
    );
    for tablet in tablets.into_iter().chain([late]) {
        tablet.store.close();
    }
}

#[wasm_bindgen_test]
async fn every_path_to_the_registers_gives_the_same_registers() {
    for seed in 1..=4 {
        story(seed, 70).await;
    }
}
