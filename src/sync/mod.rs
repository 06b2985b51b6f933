//! Sync with the shared endpoint: enroll this device with a one-time code, push its own
//! events in batches signed by its key, and pull everyone's events into its registers.
//! `runner` decides when (on reconnect, after writes, periodically, retrying on failure) and
//! makes sure only one tab of the browser syncs at a time.

mod log_check;
pub mod runner;
mod tab_lock;

use crate::store::{CheckedEvents, Store, StoreError};
use crate::timing::{mark, PAGE_APPLIED, PAGE_FETCHED, PULL_END, PULL_START, PUSH_END, PUSH_START};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use daicho_core::api::{
    paths, ApiCode, ApiRefusal, EnrollRequest, Enrolled, PullQuery, PullResponse, PushOutcome,
};
use daicho_core::history::{DeviceEnrolled, DeviceRevoked, Synced};
use daicho_core::request_signing::{content_digest, signature_base};
use daicho_core::{lang, tr, EventKind};
use gloo::net::http::{Request, RequestBuilder};
use log_check::LogCheckError;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Events per push (the endpoint's maximum; the body's bytes are kept within its limit too).
const BATCH: u32 = daicho_core::sync_limits::MAX_BATCH_EVENTS as u32;
/// Events per pulled page (the endpoint's maximum).
const PULL_PAGE: i64 = daicho_core::sync_limits::MAX_PULL_EVENTS as i64;

/// Does the browser believe it is online (the header's badge, and whether to try a sync)?
pub fn is_online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

/// Why a sync step did not complete. Its `Display` is the words a clerk can act on (kept as
/// the sync state's last error, and shown).
#[derive(Debug, Clone, PartialEq)]
pub enum SyncError {
    /// The endpoint could not be reached, or its answer could not be read (the browser's own
    /// message goes to the console, not the screen).
    Unreachable,
    /// The endpoint did not answer within this many seconds.
    TimedOut(u32),
    /// The endpoint refused the request, with its code and message.
    Refused(ApiRefusal),
    /// The endpoint answered an error status without a refusal body (a proxy, say).
    Unexplained { status: u16 },
    /// This device has not enrolled yet.
    NotEnrolled,
    /// The device's key could not sign, or give its public half.
    DeviceKey(String),
    /// The device's store failed.
    Store(StoreError),
    /// The endpoint's log does not check out against what this device kept.
    Log(LogCheckError),
    /// The sync could not start: the tabs' lock was not granted.
    NotStarted,
}

impl std::fmt::Display for SyncError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = match self {
            SyncError::Unreachable => tr!("サーバに接続できません。接続が戻ると送信します。"),
            SyncError::TimedOut(seconds) => tr!("サーバに接続できません（サーバが%{seconds}秒以内に応答しませんでした）。接続が戻ると送信します。", seconds = seconds),
            SyncError::Refused(r) => tr!("%{message}（エラーコード %{code}）", message = refusal_message(r), code = r.code),
            SyncError::Unexplained { status } => tr!("サーバが要求を断りました（%{status}）。", status = status),
            SyncError::NotEnrolled => tr!("この端末はまだ登録されていません。登録コードで登録してください。"),
            SyncError::DeviceKey(e) => return f.write_str(e),
            SyncError::Store(e) => return write!(f, "{e}"),
            SyncError::Log(e) => return write!(f, "{e}"),
            SyncError::NotStarted => tr!("同期を開始できませんでした。"),
        };
        f.write_str(&text)
    }
}

/// The endpoint's message in the reader's language (it sends both).
fn refusal_message(refusal: &ApiRefusal) -> &str {
    if lang::is_english() {
        &refusal.message_en
    } else {
        &refusal.message_ja
    }
}

impl From<StoreError> for SyncError {
    fn from(e: StoreError) -> Self {
        SyncError::Store(e)
    }
}

impl From<LogCheckError> for SyncError {
    fn from(e: LogCheckError) -> Self {
        SyncError::Log(e)
    }
}

/// The endpoint unreachable: the browser's message (「TypeError: Load failed」) is for whoever
/// looks at the console, not for the clerk.
fn offline(e: impl std::fmt::Display) -> SyncError {
    web_sys::console::warn_1(&format!("daicho sync: {e}").into());
    SyncError::Unreachable
}

/// How long one request to the endpoint may take, its answer read. A request left hanging (a
/// stalled connection, an endpoint that accepted and never answered) would otherwise hold the
/// sync's lock, and every later sync of every tab behind it, until the tab is closed. A push
/// whose answer came too late is sent again: the endpoint counts it as stored already.
pub const REQUEST_TIMEOUT_MS: u32 = 30_000;

/// The endpoint's answer to `request`, read as `T`; or why not: unreachable, too slow (or an
/// answer that cannot be read), or refused.
async fn answer<T: DeserializeOwned>(
    request: Result<Request, gloo::net::Error>,
) -> Result<T, SyncError> {
    let (expired, expiry) = futures::channel::oneshot::channel::<()>();
    // Dropped when the answer comes first, which cancels the timer.
    let _timer = gloo::timers::callback::Timeout::new(REQUEST_TIMEOUT_MS, move || {
        let _ = expired.send(());
    });
    let exchange = std::pin::pin!(exchange(request));
    match futures::future::select(exchange, expiry).await {
        futures::future::Either::Left((answer, _)) => answer,
        futures::future::Either::Right(_) => Err(SyncError::TimedOut(REQUEST_TIMEOUT_MS / 1000)),
    }
}

async fn exchange<T: DeserializeOwned>(
    request: Result<Request, gloo::net::Error>,
) -> Result<T, SyncError> {
    let response = request.map_err(offline)?.send().await.map_err(offline)?;
    if !response.ok() {
        return Err(match response.json::<ApiRefusal>().await {
            Ok(refusal) => SyncError::Refused(refusal),
            Err(_) => SyncError::Unexplained {
                status: response.status(),
            },
        });
    }
    response.json().await.map_err(offline)
}

/// What this device knows of its sync: enrolled or not, how far its chain was pushed and the
/// log pulled, and the last success and error.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncState {
    pub enrolled: bool,
    pub pushed_seq: u64,
    /// The endpoint's cursor after the last page pulled and applied.
    #[serde(default)]
    pub pulled_cursor: i64,
    pub last_success_ms: Option<i64>,
    pub last_error: Option<String>,
    /// The endpoint's log key (`vkey`), given at enrollment.
    #[serde(default)]
    pub log_key: Option<String>,
    /// The last checkpoint of the endpoint's log this device opened.
    #[serde(default)]
    pub checkpoint: Option<log_check::KeptCheckpoint>,
    /// The seq of this device's last sync record (第12条), so the next sync, which pushes it,
    /// does not count it as something to record again.
    #[serde(default)]
    pub sync_record_seq: Option<u64>,
    /// The endpoint said this device is revoked, and that was recorded (once).
    #[serde(default)]
    pub revoked_seen: bool,
    /// Syncs in a row the endpoint answered with an error (a refusal, `storage_unavailable`
    /// …), and since when: one may be passing; a run of them is reported to the operator.
    /// Being offline is not counted: a branch without network is working as meant.
    #[serde(default)]
    pub failed_in_a_row: u32,
    #[serde(default)]
    pub failing_since_ms: Option<i64>,
}

/// Syncs failed in a row from which the operator is told (`SyncState::failed_in_a_row`).
pub const REPORTED_FAILURES: u32 = 3;

impl SyncState {
    /// The records of this device (its chain holds `recorded`) the endpoint has not got yet:
    /// until sent, this tablet is their only copy.
    pub fn unsent(&self, recorded: u64) -> u64 {
        recorded.saturating_sub(self.pushed_seq)
    }

    /// The unsent records the sync is not moving: all of them on a tablet not enrolled, or
    /// whose last sync failed (offline included); none while syncs succeed, since those
    /// leave at the next one.
    pub fn held_back(&self, recorded: u64) -> u64 {
        if self.enrolled && self.last_error.is_none() {
            0
        } else {
            self.unsent(recorded)
        }
    }

    /// Counts a sync that ended with `error` (an unreachable endpoint is not a failure), or
    /// one that succeeded (`None`), in the run of failures.
    pub fn count_failure(&mut self, error: Option<&SyncError>, now_ms: i64) {
        match error {
            None => {
                self.failed_in_a_row = 0;
                self.failing_since_ms = None;
            }
            Some(SyncError::Unreachable | SyncError::TimedOut(_) | SyncError::NotStarted) => {}
            Some(_) => {
                self.failed_in_a_row = self.failed_in_a_row.saturating_add(1);
                self.failing_since_ms.get_or_insert(now_ms);
            }
        }
    }

    /// True when a run of failures is long enough to report to the operator.
    pub fn is_failing(&self) -> bool {
        self.failed_in_a_row >= REPORTED_FAILURES
    }

    /// This device's sync state, as the store keeps it (the default before the first sync).
    pub async fn of(store: &Store) -> Result<SyncState, StoreError> {
        store.sync_record().await
    }

    pub async fn save(&self, store: &Store) -> Result<(), StoreError> {
        store.save_sync_record(self).await
    }
}

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncReport {
    /// Own events the endpoint stored.
    pub pushed: usize,
    /// Other devices' events new to this one.
    pub pulled: usize,
    /// Rule breaks the pulled events revealed.
    pub breaks: usize,
    /// Of the pushed events, this device's last sync record (0 or 1).
    pub pushed_syncs: usize,
    /// Of the pulled events, other devices' sync records.
    pub pulled_syncs: usize,
}

impl SyncReport {
    /// Did the sync move anything besides sync records (worth a record, and a redraw)?
    pub fn moved_records(&self) -> bool {
        self.pushed + self.pulled > self.pushed_syncs + self.pulled_syncs
    }
}

impl SyncReport {
    pub fn summary_text(&self) -> String {
        let (pushed, pulled, breaks) = (self.pushed, self.pulled, self.breaks);
        let mut text = tr!(
            "%{pushed}件を送信し、%{pulled}件を受信しました。",
            pushed = pushed,
            pulled = pulled
        )
        .into_owned();
        if breaks > 0 {
            // English sentences are spaced; Japanese ones are not.
            if lang::is_english() {
                text.push(' ');
            }
            let found = tr!(
                "規則違反の疑いが%{breaks}件見つかりました。",
                breaks = breaks
            );
            text.push_str(&found);
        }
        text
    }
}

/// Enrolls this device under `name` (checked by daicho-core `history::device_name` first) with
/// the code the system administrator gave (`daicho-server enroll-token`), sending the public
/// half of its key.
pub async fn enroll(store: &Store, code: &str, name: &str) -> Result<(), SyncError> {
    let key = store.device_key().await?;
    let device = store.device().await?.id;
    let public_key = key
        .public_key_base64()
        .await
        .map_err(SyncError::DeviceKey)?;
    let request = EnrollRequest {
        code: code.trim().into(),
        device: device.0.clone(),
        public_key,
    };
    let enrolled: Enrolled = answer(Request::post(paths::DEVICES).json(&request)).await?;
    let mut state = SyncState::of(store).await?;
    state.enrolled = true;
    state.log_key = enrolled.log_key;
    state.revoked_seen = false;
    state.save(store).await?;
    let kind = EventKind::DeviceEnrolled(DeviceEnrolled {
        device: device.0,
        name: name.to_string(),
    });
    record(store, kind).await?;
    Ok(())
}

/// Records an act of the sync as the operator signed in on this tab (第12条).
async fn record(store: &Store, kind: EventKind) -> Result<u64, SyncError> {
    let operator = match crate::auth::session::signed_in_id() {
        id if id.is_empty() => AUTOMATIC.to_string(),
        id => id,
    };
    let event = store
        .record_act(kind, &operator, chrono::Utc::now())
        .await?;
    Ok(event.seq)
}

/// The operator of a sync run while nobody is signed in on the tab.
// ja-only: an operator id stored in the events it records (data); `Directory::name_of` names it
pub const AUTOMATIC: &str = "システム（自動同期）";

/// Pushes this device's unsent events, then pulls and applies everyone's new ones. The
/// outcome (success or error) is kept in the sync state for the page to show.
pub async fn sync_now(store: &Store) -> Result<SyncReport, SyncError> {
    let result = push_then_pull(store).await;
    let mut state = SyncState::of(store).await?;
    state.count_failure(result.as_ref().err(), js_sys::Date::now() as i64);
    match &result {
        Ok(report) => {
            state.last_success_ms = Some(js_sys::Date::now() as i64);
            state.last_error = None;
            // One record per sync that moved something; an empty periodic sync (or one that
            // only carried sync records) is not history worth a line.
            if report.moved_records() {
                let kind = EventKind::Synced(Synced {
                    pushed: report.pushed as u32,
                    pulled: report.pulled as u32,
                });
                state.sync_record_seq = Some(record(store, kind).await?);
            }
        }
        Err(e) => {
            state.last_error = Some(e.to_string());
            let revoked = matches!(e, SyncError::Refused(r) if r.code == ApiCode::DeviceRevoked);
            if revoked && !state.revoked_seen {
                let device = store.device().await?.id.0;
                record(store, EventKind::DeviceRevoked(DeviceRevoked { device })).await?;
                state.revoked_seen = true;
            }
        }
    }
    state.save(store).await?;
    result
}

async fn push_then_pull(store: &Store) -> Result<SyncReport, SyncError> {
    if !SyncState::of(store).await?.enrolled {
        return Err(SyncError::NotEnrolled);
    }
    let before = SyncState::of(store).await?;
    let signer = Signer::of(store).await?;
    let pushed = push_all(store, &signer).await?;
    let after = SyncState::of(store).await?.pushed_seq;
    let own_record = before
        .sync_record_seq
        .is_some_and(|seq| seq > before.pushed_seq && seq <= after);
    let (pulled, breaks, pulled_syncs) = pull_all(store, &signer).await?;
    Ok(SyncReport {
        pushed,
        pulled,
        breaks,
        pushed_syncs: usize::from(own_record),
        pulled_syncs,
    })
}

/// Pushes batch after batch, in chain order: each is sent once the endpoint has answered the
/// one before and `pushed_seq` is saved. While the endpoint checks a batch, the next is read
/// from IndexedDB and signed, so only the save stands between an answer and the next batch.
async fn push_all(store: &Store, signer: &Signer) -> Result<usize, SyncError> {
    let mut state = SyncState::of(store).await?;
    let mut stored = 0;
    mark(PUSH_START);
    let mut next = prepare_batch(store, signer, state.pushed_seq).await?;
    while let Some(Prepared { request, last }) = next {
        let (outcome, following) = futures::join!(
            answer::<PushOutcome>(request),
            prepare_batch(store, signer, last)
        );
        stored += outcome?.stored;
        state.pushed_seq = last;
        state.save(store).await?;
        next = following?;
    }
    mark(PUSH_END);
    Ok(stored)
}

/// A batch read and signed, ready to send, and the seq of its last event.
struct Prepared {
    request: Result<Request, gloo::net::Error>,
    last: u64,
}

/// The batch of this device's events after `seq`, a `PushRequest` as the store wrote it
/// (`{"events":[…]}`), signed by this device; `None` when nothing is after `seq`.
async fn prepare_batch(
    store: &Store,
    signer: &Signer,
    seq: u64,
) -> Result<Option<Prepared>, SyncError> {
    let Some((body, last)) = store.own_events_json_after(seq, BATCH).await? else {
        return Ok(None);
    };
    let request = signer
        .sign(Request::post(paths::EVENTS), "POST", paths::EVENTS, &body)
        .await?
        .header("content-type", "application/json")
        .body(body);
    Ok(Some(Prepared { request, last }))
}

/// Pulls page after page from the saved cursor, applying each before moving the cursor
/// (a page applied twice changes nothing, so a sync cut off half-way is simply repeated).
/// The next page is fetched while the one before is applied: pages still apply in order.
async fn pull_all(store: &Store, signer: &Signer) -> Result<(usize, usize, usize), SyncError> {
    let (mut pulled, mut breaks, mut syncs) = (0, 0, 0);
    let mut state = SyncState::of(store).await?;
    mark(PULL_START);
    let mut page = fetch_page(signer, state.pulled_cursor).await?;
    loop {
        if let Some(note) = &page.checkpoint {
            log_check::check(signer, &mut state, note).await?;
        }
        let following = async {
            match page.done {
                true => Ok(None),
                false => fetch_page(signer, page.cursor).await.map(Some),
            }
        };
        // The cursor moves in the page's own transaction (a page applied twice changes
        // nothing, but one applied without its cursor would be fetched again).
        state.pulled_cursor = page.cursor;
        let now_ms = js_sys::Date::now() as i64;
        let apply = async {
            let applied = store
                .apply_pulled_page(&page.events, now_ms, Some(&state))
                .await;
            mark(PAGE_APPLIED);
            applied
        };
        let (applied, following) = futures::join!(apply, following);
        let applied = applied?;
        pulled += applied.new_events;
        syncs += applied.new_syncs;
        breaks += applied.breaks.len();
        match following? {
            Some(next) => page = next,
            None => {
                mark(PULL_END);
                return Ok((pulled, breaks, syncs));
            }
        }
    }
}

/// A page of the pull, its events checked.
struct Page {
    events: CheckedEvents,
    cursor: i64,
    done: bool,
    checkpoint: Option<String>,
}

/// One page of other devices' events after `cursor`, each event checked on its own as it
/// arrives (`CheckedEvents`: one that fails refuses the page, nothing of it stored).
async fn fetch_page(signer: &Signer, cursor: i64) -> Result<Page, SyncError> {
    let query = PullQuery {
        after: cursor,
        limit: Some(PULL_PAGE),
    };
    let url = query.url();
    let request = signer.sign(Request::get(&url), "GET", &url, "").await?;
    let page: PullResponse = answer(request.build()).await?;
    mark(PAGE_FETCHED);
    let events = CheckedEvents::check(page.events, js_sys::Date::now() as i64)?;
    Ok(Page {
        events,
        cursor: page.cursor,
        done: page.done,
        checkpoint: page.checkpoint,
    })
}

/// The device's identity and key, read once per sync: signing a request then touches no
/// IndexedDB, so the next page's request is not queued behind the page being applied.
struct Signer {
    device: String,
    key: crate::auth::device_key::DeviceKey,
}

impl Signer {
    async fn of(store: &Store) -> Result<Signer, SyncError> {
        Ok(Signer {
            device: store.device().await?.id.0,
            key: store.device_key().await?,
        })
    }

    /// `request` with the device's signature over method, path and query (`target`, as
    /// requested), time and body digest: the headers of docs/protocol.md.
    async fn sign(
        &self,
        request: RequestBuilder,
        method: &str,
        target: &str,
        body: &str,
    ) -> Result<RequestBuilder, SyncError> {
        let timestamp = (js_sys::Date::now() as i64).to_string();
        let digest = content_digest(body.as_bytes());
        let base = signature_base(&self.device, &timestamp, method, target, &digest);
        let signature = self
            .key
            .sign(base.as_bytes())
            .await
            .map_err(SyncError::DeviceKey)?;
        Ok(request
            .header("daicho-device", &self.device)
            .header("daicho-timestamp", &timestamp)
            .header("content-digest", &digest)
            .header("daicho-signature", &BASE64.encode(signature)))
    }
}
