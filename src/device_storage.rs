//! The tablet's storage: whether the browser keeps it for good (`navigator.storage.persist()`),
//! how much is used and left (`estimate()`), and what of that the people using it must know.
//! A browser may evict a site's storage that is not persistent when the disk runs low, and
//! with it records not yet synced; a write beyond the quota is refused.

use crate::store::Store;
use crate::sync::SyncState;
use daicho_core::tr;
use std::future::Future;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{StorageEstimate, StorageManager};

/// Below this much space left the operator is warned: a month of a busy door's records is a
/// few megabytes, so 50 MB leaves time to sync and call the administrator.
pub const LOW_SPACE_BYTES: u64 = 50 * 1024 * 1024;
/// …or when this share of the quota is used, whatever the quota.
pub const LOW_SPACE_SHARE: f64 = 0.9;

/// What the browser says of this site's storage. `None`: the browser does not tell.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct StorageReport {
    pub persisted: Option<bool>,
    pub usage: Option<u64>,
    pub quota: Option<u64>,
}

/// A reason to warn, worst first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Concern {
    /// Little space left: the next records may not be stored.
    LowSpace { available: u64 },
    /// The browser may evict the storage, and records wait here unsent.
    MayBeEvicted { unsent: u64 },
}

impl StorageReport {
    /// The bytes still available, when the browser tells both figures.
    pub fn available(&self) -> Option<u64> {
        Some(self.quota?.saturating_sub(self.usage?))
    }

    /// The space used and left, as the error of a refused write says it.
    pub fn summary_text(&self) -> String {
        match (self.usage, self.quota) {
            (Some(usage), Some(quota)) => tr!(
                "使用 %{usage} ／ 上限 %{quota}",
                usage = size_text(usage),
                quota = size_text(quota)
            ),
            _ => tr!("ブラウザが保存を中止しました"),
        }
        .into_owned()
    }

    /// What to warn of, given the records this device holds that no other place has yet.
    pub fn concerns(&self, unsent: u64) -> Vec<Concern> {
        let mut concerns = Vec::new();
        if let (Some(usage), Some(quota), Some(available)) =
            (self.usage, self.quota, self.available())
        {
            if available < LOW_SPACE_BYTES || usage as f64 >= quota as f64 * LOW_SPACE_SHARE {
                concerns.push(Concern::LowSpace { available });
            }
        }
        if self.persisted == Some(false) && unsent > 0 {
            concerns.push(Concern::MayBeEvicted { unsent });
        }
        concerns
    }
}

impl Concern {
    /// The warning in the reader's language.
    pub fn message(&self) -> String {
        match self {
            Concern::LowSpace { available } => tr!("この端末の保存領域の残りが少なくなっています（残り %{available}）。記録を保存できなくなる前に同期し、システム管理者に連絡してください。", available = size_text(*available)),
            Concern::MayBeEvicted { unsent } => tr!("この端末の保存領域は保護されていません（ブラウザが空き容量の不足時に消去することがあります）。まだ送信していない記録が %{unsent} 件あります。早めに同期してください。", unsent = unsent),
        }
        .into_owned()
    }
}

/// A size as the page writes it: "12.3 MB", "10.7 GB".
pub fn size_text(bytes: u64) -> String {
    match bytes as f64 {
        b if b >= 1e9 => format!("{:.1} GB", b / 1e9),
        b => format!("{:.1} MB", b / 1e6),
    }
}

fn manager() -> Option<StorageManager> {
    Some(web_sys::window()?.navigator().storage())
}

/// Asks the browser to keep this site's storage for good. Chromium grants it by itself once
/// the app is installed or used often; Firefox asks the user, and only in a user's gesture:
/// so it is asked at setup, at each start while refused, and by a button on 端末と同期. The
/// question is put now, when called, not when the answer is awaited; a grant is told to the
/// pages (a sync state change). `None`: the browser has no such API.
pub fn ask_to_persist() -> impl Future<Output = Option<bool>> {
    let promise = manager().and_then(|m| m.persist().ok());
    async move {
        let granted = JsFuture::from(promise?).await.ok()?.as_bool();
        if granted == Some(true) {
            crate::sync::runner::notify_state_changed();
        }
        granted
    }
}

/// Asks now, and lets the answer come when it comes (Firefox waits for the user's).
pub fn ask_to_persist_in_background() {
    let asked = ask_to_persist();
    wasm_bindgen_futures::spawn_local(async move {
        asked.await;
    });
}

/// At start: asks again while the storage is not persistent (Chromium may grant it now that
/// the app is installed).
pub async fn ask_again_if_refused() {
    if persisted().await == Some(false) {
        ask_to_persist().await;
    }
}

/// Whether the browser keeps this site's storage for good (`None`: it does not tell).
async fn persisted() -> Option<bool> {
    let promise = manager()?.persisted().ok()?;
    JsFuture::from(promise).await.ok()?.as_bool()
}

/// What the browser says now of this site's storage.
pub async fn report() -> StorageReport {
    let Some(manager) = manager() else {
        return StorageReport::default();
    };
    let persisted = persisted().await;
    let estimate = match manager.estimate() {
        Ok(p) => JsFuture::from(p).await.ok(),
        Err(_) => None,
    };
    let estimate = estimate.map(JsCast::unchecked_into::<StorageEstimate>);
    StorageReport {
        persisted,
        usage: estimate
            .as_ref()
            .and_then(|e| e.get_usage())
            .map(|u| u as u64),
        quota: estimate
            .as_ref()
            .and_then(|e| e.get_quota())
            .map(|q| q as u64),
    }
}

/// The report, and the records of this device an eviction would lose: those not sent yet
/// that the sync is not moving (`SyncState::held_back`).
pub async fn status(store: &Store) -> (StorageReport, u64) {
    let report = report().await;
    let unsent = match (SyncState::of(store).await, store.device().await) {
        (Ok(state), Ok(device)) => state.held_back(device.seq),
        _ => 0,
    };
    (report, unsent)
}
