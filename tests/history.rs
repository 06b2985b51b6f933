//! The operation history (第12条) in the store: every device's acts read by operator and
//! period a page at a time, counted per JST day, filtered by device and kind, and its CSV.
#![cfg(target_arch = "wasm32")]

use chrono::{TimeZone, Utc};
use daicho::store::history::HistoryQuery;
use daicho::store::Store;
use daicho_core::event::GENESIS_HASH;
use daicho_core::history::{csv_bytes, jst_day, HistoryFilter, Printed};
use daicho_core::sign_in::SignedIn;
use daicho_core::{DeviceId, Event, EventKind, Hlc};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// 2025-10-01 00:00 JST (in the past: a pulled event from the future would move the clock).
fn october() -> i64 {
    Utc.with_ymd_and_hms(2025, 9, 30, 15, 0, 0)
        .unwrap()
        .timestamp_millis()
}

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

fn signed_in(person: &str) -> EventKind {
    EventKind::SignedIn(SignedIn::with_pin(person, false))
}

fn printed() -> EventKind {
    EventKind::Printed(Printed {
        what: "key_logbook".into(),
        period: "2026-10".into(),
    })
}

/// Another device's chain of acts: (operator, time, kind).
fn chain(device: &str, acts: Vec<(&str, i64, EventKind)>) -> Vec<Event> {
    let mut prev = GENESIS_HASH.to_string();
    acts.into_iter()
        .enumerate()
        .map(|(i, (operator, wall_ms, kind))| {
            let hlc = Hlc {
                wall_ms,
                counter: 0,
            };
            let event = Event::seal(
                DeviceId(device.into()),
                i as u64 + 1,
                hlc,
                operator.into(),
                kind,
                &prev,
            );
            prev = event.hash.clone();
            event
        })
        .collect()
}

/// A store holding, from tablet-2, yamada's sign-in at 09:00 of each day of October and
/// November, sato's at 10:00, and sato's print at 11:00 of October's even days.
async fn busy_store(name: &str) -> Store {
    Store::delete(name).await.unwrap();
    let store = Store::open(name).await.unwrap();
    let mut acts = Vec::new();
    for day in 0..61 {
        let start = october() + day * DAY;
        acts.push(("yamada", start + 9 * HOUR, signed_in("yamada")));
        acts.push(("sato", start + 10 * HOUR, signed_in("sato")));
        if day % 2 == 0 && day < 31 {
            acts.push(("sato", start + 11 * HOUR, printed()));
        }
    }
    let events = chain("tablet-2", acts);
    store
        .apply_pulled(&events, Utc::now().timestamp_millis())
        .await
        .unwrap();
    store
}

fn query(operator: Option<&str>, from_ms: i64, days: i64) -> HistoryQuery {
    HistoryQuery {
        filter: HistoryFilter {
            operator: operator.map(str::to_string),
            ..HistoryFilter::default()
        },
        from_day: jst_day(from_ms),
        to_day: jst_day(from_ms) + days - 1,
    }
}

#[wasm_bindgen_test]
async fn one_operators_month_newest_first_a_page_at_a_time() {
    let store = busy_store("t-history-month").await;
    let november = october() + 31 * DAY;
    let q = query(Some("yamada"), november, 30);
    let all = store.history_rows(&q).await.unwrap();
    assert_eq!(all.len(), 30, "yamada signed in once each day of November");
    assert!(all.iter().all(|e| e.operator == "yamada"));
    assert!(all.windows(2).all(|w| w[0].hlc.wall_ms > w[1].hlc.wall_ms));
    assert_eq!(all[0].hlc.wall_ms, november + 29 * DAY + 9 * HOUR);

    // Paged by 7, the same rows in the same order, and nothing of October.
    let (mut paged, mut after) = (Vec::new(), None);
    loop {
        let page = store.history_page(&q, after, 7).await.unwrap();
        paged.extend(page.rows);
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(paged, all);
}

#[wasm_bindgen_test]
async fn counts_per_day_come_from_the_day_records() {
    let store = busy_store("t-history-days").await;
    let from = jst_day(october());
    let days = store.history_days(from, from + 60, true).await.unwrap();
    assert_eq!(days.len(), 61);
    let everyone = HistoryFilter::default();
    assert_eq!(
        days[0].count(&everyone),
        3,
        "two sign-ins and a print on 1 October"
    );
    assert_eq!(days[1].count(&everyone), 2);
    let sato = HistoryFilter {
        operator: Some("sato".into()),
        ..HistoryFilter::default()
    };
    let sato_total: u32 = days.iter().map(|d| d.count(&sato)).sum();
    assert_eq!(sato_total, 61 + 16);

    // Opened again (as after an upgrade), nothing is counted twice.
    store.close();
    let store = Store::open("t-history-days").await.unwrap();
    let again = store.history_days(from, from + 60, true).await.unwrap();
    assert_eq!(again, days);

    // The device's own acts are counted as they are recorded.
    let now = Utc::now();
    store.record_act(printed(), "kanri", now).await.unwrap();
    let today = jst_day(now.timestamp_millis());
    let days = store.history_days(today, today, false).await.unwrap();
    assert!(days[0].count(&everyone) >= 1);
}

#[wasm_bindgen_test]
async fn device_and_kind_filters_read_through_the_time_index() {
    let store = busy_store("t-history-filters").await;
    let own = store.device().await.unwrap().id.0;
    let now = Utc::now();
    store.record_act(printed(), "kanri", now).await.unwrap();

    let prints = HistoryQuery {
        filter: HistoryFilter {
            kind: Some("printed".into()),
            ..HistoryFilter::default()
        },
        ..query(None, october(), 31)
    };
    let page = store.history_page(&prints, None, 5).await.unwrap();
    assert_eq!(page.rows.len(), 5);
    assert!(page.rows.iter().all(|e| e.kind.tag() == "printed"));
    assert_eq!(store.history_rows(&prints).await.unwrap().len(), 16);

    let this_device = HistoryQuery {
        filter: HistoryFilter {
            device: Some(own.clone()),
            ..HistoryFilter::default()
        },
        from_day: jst_day(october()),
        to_day: jst_day(now.timestamp_millis()),
    };
    let rows = store.history_rows(&this_device).await.unwrap();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|e| e.device.0 == own));
    assert_eq!(rows[0].kind.tag(), "printed", "newest first");
}

#[wasm_bindgen_test]
fn csv_starts_with_the_bom_and_quotes_commas_quotes_and_line_breaks() {
    let row = ["a", "b", "山田, 太郎", "tab", "印刷", "「\"A4\"」\n2枚"].map(String::from);
    let bytes = csv_bytes(&[row]);
    assert_eq!(&bytes[..3], &[0xEF, 0xBB, 0xBF]);
    let text = String::from_utf8(bytes).unwrap();
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(lines.len(), 3, "header, one row, and the final CRLF");
    assert!(lines[1].contains("\"山田, 太郎\""));
    assert!(lines[1].ends_with("\"「\"\"A4\"\"」\n2枚\""));
}
