//! The tablet's storage in headless Chromium: what the browser reports (persistence, usage,
//! quota) and when the operator is warned.
#![cfg(target_arch = "wasm32")]

use daicho::device_storage::{self, Concern, StorageReport, LOW_SPACE_BYTES};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const GB: u64 = 1 << 30;

#[wasm_bindgen_test]
async fn the_browser_reports_usage_quota_and_persistence() {
    let report = device_storage::report().await;
    let (usage, quota) = (report.usage.unwrap(), report.quota.unwrap());
    assert!(quota > usage, "quota {quota}, usage {usage}");
    assert_eq!(report.available(), Some(quota - usage));
    // Headless Chromium grants no persistence: the answer is a refusal, not an error.
    assert_eq!(report.persisted, Some(false));
    assert_eq!(device_storage::ask_to_persist().await, Some(false));
}

#[wasm_bindgen_test]
fn space_is_low_under_50_mb_left_or_past_90_percent() {
    let report = |usage, quota| StorageReport {
        persisted: Some(true),
        usage: Some(usage),
        quota: Some(quota),
    };
    assert_eq!(report(GB, 10 * GB).concerns(5), vec![]);
    let left = LOW_SPACE_BYTES - 1;
    assert_eq!(
        report(10 * GB - left, 10 * GB).concerns(0),
        vec![Concern::LowSpace { available: left }]
    );
    let nine_tenths = report(9 * GB, 10 * GB);
    assert_eq!(
        nine_tenths.concerns(0),
        vec![Concern::LowSpace { available: GB }]
    );
    // Usage beyond the quota (an override, a shrunk disk) is no space, not an overflow.
    assert_eq!(
        report(11 * GB, 10 * GB).concerns(0),
        vec![Concern::LowSpace { available: 0 }]
    );
}

#[wasm_bindgen_test]
fn eviction_is_a_concern_only_while_records_wait_unsent() {
    let refused = StorageReport {
        persisted: Some(false),
        usage: Some(1 << 20),
        quota: Some(10 * GB),
    };
    assert_eq!(refused.concerns(0), vec![]);
    assert_eq!(
        refused.concerns(3),
        vec![Concern::MayBeEvicted { unsent: 3 }]
    );
    // A browser that does not tell is not a refusal.
    let unknown = StorageReport {
        persisted: None,
        ..refused
    };
    assert_eq!(unknown.concerns(3), vec![]);
    assert!(Concern::MayBeEvicted { unsent: 3 }
        .message()
        .contains("まだ送信していない記録が 3 件"));
    assert!(Concern::LowSpace {
        available: 1_500_000
    }
    .message()
    .contains("残り 1.5 MB"));
}
