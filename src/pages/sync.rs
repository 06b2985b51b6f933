//! 端末と同期: enroll this device with the code the system administrator gives, and send its
//! records to the shared endpoint; what is waiting, the last success and the last error.

use crate::components::form_message::{FormMessage, Outcome};
use crate::components::newest_read::NewestRead;
use crate::store::HistoryCheck;
use crate::sync::runner::{sync_by_hand, SyncSignals};
use crate::sync::{self, is_online, SyncState};
use chrono::DateTime;
use daicho_core::wareki;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[derive(Clone, Default)]
struct Status {
    state: SyncState,
    recorded: u64,
}

#[component]
pub fn SyncPage() -> impl IntoView {
    let store = crate::state::use_store_value();
    let status = RwSignal::new(None::<Status>);
    // Syncs here, by hand and in other tabs change the state in bursts, each read again.
    let reads = NewestRead::new();
    let reload = move || {
        let ticket = reads.ask();
        spawn_local(async move {
            let store = store.get_value();
            let read = (
                store.sync_record::<crate::sync::SyncState>().await,
                store.device().await,
            );
            if !reads.is_newest(ticket) {
                return; // a newer read came meanwhile; it shows the state
            }
            if let (Ok(state), Ok(device)) = read {
                status.set(Some(Status {
                    state,
                    recorded: device.seq,
                }));
            }
        })
    };
    // Drawn again whenever a sync (here, by itself, or in another tab) changed the state.
    let signals = expect_context::<SyncSignals>();
    Effect::new(move |_| {
        signals.state_changed.track();
        reload();
    });
    let outcome: Outcome = RwSignal::new(None);
    // One sync by hand at a time: the button waits for it, so a second tap is not queued.
    let busy = RwSignal::new(false);
    let sync_now = move |_| {
        let store = store.get_value();
        busy.set(true);
        spawn_local(async move {
            match sync_by_hand(store, signals).await {
                Ok(report) => outcome.set(Some((true, report.summary_ja()))),
                Err(e) => outcome.set(Some((false, e.to_string()))),
            }
            busy.set(false);
        });
    };
    view! {
        <div class="sync-page" data-ready=move || status.with(Option::is_some).then_some("true")>
            <section class="card wide">
                <h2>"この端末の同期"</h2>
                {move || status.get().map(|s| view! { <SyncSummary status=s/> })}
                <button type="button" id="sync-now" class="button primary" on:click=sync_now
                    disabled=move || busy.get() aria-busy=move || busy.get().to_string()>
                    {move || if busy.get() { "同期中…" } else { "今すぐ同期" }}
                </button>
                <FormMessage outcome/>
            </section>
            <EnrollForm on_enrolled=Callback::new(move |()| reload())/>
            <HistoryCheckCard/>
            <IdleSetting/>
        </div>
    }
}

/// Re-checks every stored record's hash and chain link, naming the first that fails.
#[component]
fn HistoryCheckCard() -> impl IntoView {
    let store = crate::state::use_store_value();
    let result = RwSignal::new(None::<(bool, String)>);
    let busy = RwSignal::new(false);
    let check = move |_| {
        busy.set(true);
        let store = store.get_value();
        spawn_local(async move {
            let outcome = match store.check_history().await {
                Ok(check) => (
                    matches!(check, HistoryCheck::Sound { .. }),
                    check.summary_ja(),
                ),
                Err(e) => (false, e.to_string()),
            };
            result.set(Some(outcome));
            busy.set(false);
        });
    };
    view! {
        <section class="card wide">
            <h2>"記録の検証（第12条）"</h2>
            <p class="hint">"この端末が保存しているすべての記録について、内容とハッシュ、端末ごとの記録のつながりを確かめます。"</p>
            <button type="button" id="check-history" class="button" disabled=move || busy.get() on:click=check>
                "記録を検証"
            </button>
            {move || result.get().map(|(sound, text)| view! {
                <p class=if sound { "status history-check" } else { "form-error history-check" }
                    data-sound=sound.to_string() role="status">{text}</p>
            })}
        </section>
    }
}

/// How long this shared tablet waits before signing out by itself (a device setting).
#[component]
fn IdleSetting() -> impl IntoView {
    use crate::auth::idle::{idle_seconds, set_idle_seconds, CHOICES_MINUTES};
    let current = idle_seconds();
    let saved = RwSignal::new(false);
    let change = move |ev: leptos::ev::Event| {
        if let Ok(minutes) = event_target_value(&ev).parse::<u32>() {
            set_idle_seconds(minutes * 60);
            saved.set(true);
        }
    };
    let options = CHOICES_MINUTES.map(|m| {
        view! { <option value=m.to_string() selected=m * 60 == current>{format!("{m}分")}</option> }
    });
    view! {
        <section class="card wide">
            <h2>"自動サインアウト"</h2>
            <p class="hint">"共用の端末は、操作がないまま次の時間がたつと自動的にサインアウトします。"</p>
            <div class="field">
                <label for="idle-minutes">"操作がない時間"</label>
                <select id="idle-minutes" on:change=change>{options.to_vec()}</select>
            </div>
            <Show when=move || saved.get()>
                <p class="status" role="status">"設定しました。"</p>
            </Show>
        </section>
    }
}

#[component]
fn SyncSummary(status: Status) -> impl IntoView {
    let pending = status.recorded.saturating_sub(status.state.pushed_seq);
    let last = status
        .state
        .last_success_ms
        .and_then(DateTime::from_timestamp_millis)
        .map_or_else(|| "まだありません".to_string(), wareki::datetime_ja);
    view! {
        <dl class="sync-state">
            <dt>"登録"</dt>
            <dd class="enrolled">{if status.state.enrolled { "登録済み" } else { "未登録" }}</dd>
            <dt>"未送信の記録"</dt>
            <dd class="pending" data-pending=pending.to_string()>
                {format!("{pending}件")}
                {(pending > 0 && !is_online()).then_some("（オフラインです。接続が戻ると自動で送信します）")}
            </dd>
            <dt>"受信済み"</dt>
            <dd class="pulled" data-cursor=status.state.pulled_cursor.to_string()>
                {format!("サーバの記録 {}番まで", status.state.pulled_cursor)}
            </dd>
            <dt>"最後に同期できた時刻"</dt>
            <dd>{last}</dd>
            <dt>"最後のエラー"</dt>
            <dd class="last-error">{status.state.last_error.unwrap_or_else(|| "なし".into())}</dd>
        </dl>
    }
}

#[component]
fn EnrollForm(on_enrolled: Callback<()>) -> impl IntoView {
    let store = crate::state::use_store_value();
    let code = RwSignal::new(String::new());
    let outcome: Outcome = RwSignal::new(None);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let (store, code) = (store.get_value(), code.get_untracked());
        spawn_local(async move {
            match sync::enroll(&store, &code).await {
                Ok(()) => {
                    outcome.set(Some((true, "この端末を登録しました。".into())));
                    on_enrolled.run(());
                    // The first sync follows by itself, shortly.
                    crate::sync::runner::request_soon();
                }
                Err(e) => outcome.set(Some((false, e.to_string()))),
            }
        });
    };
    view! {
        <form class="card wide enroll-form no-print" on:submit=submit>
            <h2>"端末の登録"</h2>
            <p class="hint">"システム管理者が発行した登録コード（daicho-server enroll-token）を入力します。この端末の鍵は端末の外に出ません。"</p>
            <div class="field">
                <label for="enroll-code">"登録コード"</label>
                <input id="enroll-code" autocomplete="off" bind:value=code/>
            </div>
            <button type="submit" id="enroll" class="button primary">"登録"</button>
            <FormMessage outcome/>
        </form>
    }
}
