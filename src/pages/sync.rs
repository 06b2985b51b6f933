//! 端末と同期: enroll this device with the code the system administrator gives, and send its
//! records to the shared endpoint; what is waiting, the last success and the last error.

use crate::components::record_form::{Field, Outcome, RecordForm};
use crate::components::shown::Shown;
use crate::components::storage_warning::follow_storage;
use crate::device_storage::{self, size_text, StorageReport};
use crate::state::SyncSignals;
use crate::state::{local_action, use_store};
use crate::store::HistoryCheck;
use crate::sync::runner::{notify_state_changed, request_soon, sync_by_hand};
use crate::sync::{self, is_online, SyncState};
use chrono::DateTime;
use daicho_core::{tr, wareki};
use leptos::prelude::*;

#[derive(Clone, Default)]
struct Status {
    state: SyncState,
    recorded: u64,
}

#[component]
pub fn SyncPage() -> impl IntoView {
    let store = use_store();
    let signals = expect_context::<SyncSignals>();
    // Read again whenever a sync (here, by itself, or in another tab) or an enrollment changed
    // the state; a burst of changes leaves only the newest read shown.
    let status = {
        let store = store.clone();
        LocalResource::new(move || {
            signals.state_changed.track();
            let store = store.clone();
            async move {
                let state = store.sync_record::<SyncState>().await.ok()?;
                let device = store.device().await.ok()?;
                Some(Status {
                    state,
                    recorded: device.seq,
                })
            }
        })
    };
    // One sync by hand at a time: the button waits for it, so a second tap is not queued.
    let sync_now = local_action(move |_: &()| {
        let store = store.clone();
        async move {
            let report = sync_by_hand(store).await;
            report.map(|r| r.summary_text()).map_err(|e| e.to_string())
        }
    });
    let busy = move || sync_now.pending().get();
    let shown = move || status.get().flatten();
    view! {
        <div class="sync-page" data-ready=move || shown().is_some().then_some("true")>
            <section class="card wide">
                <h2>{tr!("この端末の同期")}</h2>
                {move || shown().map(|s| view! { <SyncSummary status=s/> })}
                <button type="button" id="sync-now" class="button primary"
                    on:click=move |_| { sync_now.dispatch(()); }
                    disabled=busy aria-busy=move || busy().to_string()>
                    {move || if busy() { tr!("同期中…") } else { tr!("今すぐ同期") }}
                </button>
                {move || sync_now.value().get().map(|report| match report {
                    Ok(text) => view! { <p class="status" role="status">{text}</p> }.into_any(),
                    Err(text) => view! { <p class="form-error" role="alert">{text}</p> }.into_any(),
                })}
            </section>
            <StorageCard/>
            <EnrollForm/>
            <HistoryCheckCard/>
            <IdleSetting/>
        </div>
    }
}

/// Re-checks every stored record's hash and chain link, naming the first that fails.
#[component]
fn HistoryCheckCard() -> impl IntoView {
    let store = use_store();
    let check = local_action(move |_: &()| {
        let store = store.clone();
        async move {
            match store.check_history().await {
                Ok(check) => (
                    matches!(check, HistoryCheck::Sound { .. }),
                    check.summary_text(),
                ),
                Err(e) => (false, e.to_string()),
            }
        }
    });
    view! {
        <section class="card wide">
            <h2>{tr!("記録の検証（第12条）")}</h2>
            <p class="hint">{tr!("この端末が保存しているすべての記録について、内容とハッシュ、端末ごとの記録のつながりを確かめます。")}</p>
            <button type="button" id="check-history" class="button" disabled=move || check.pending().get()
                on:click=move |_| { check.dispatch(()); }>
                {tr!("記録を検証")}
            </button>
            {move || check.value().get().map(|(sound, text)| view! {
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
        view! { <option value=m.to_string() selected=m * 60 == current>{tr!("%{m}分", m = m)}</option> }
    });
    view! {
        <section class="card wide">
            <h2>{tr!("自動サインアウト")}</h2>
            <p class="hint">{tr!("共用の端末は、操作がないまま次の時間がたつと自動的にサインアウトします。")}</p>
            <Field id="idle-minutes" label=tr!("操作がない時間")>
                <select id="idle-minutes" on:change=change>{options.into_iter().collect_view()}</select>
            </Field>
            <Shown when=move || saved.get()>
                <p class="status" role="status">{tr!("設定しました。")}</p>
            </Shown>
        </section>
    }
}

#[component]
fn SyncSummary(status: Status) -> impl IntoView {
    let pending = status.state.unsent(status.recorded);
    let last = status
        .state
        .last_success_ms
        .and_then(DateTime::from_timestamp_millis)
        .map_or_else(|| tr!("まだありません").into_owned(), wareki::datetime_text);
    view! {
        <dl class="sync-state">
            <dt>{tr!("登録")}</dt>
            <dd class="enrolled">{if status.state.enrolled { tr!("登録済み") } else { tr!("未登録") }}</dd>
            <dt>{tr!("未送信の記録")}</dt>
            <dd class="pending" data-pending=pending.to_string()>
                {tr!("%{pending}件", pending = pending)}
                {(pending > 0 && !is_online()).then(|| tr!("（オフラインです。接続が戻ると自動で送信します）"))}
            </dd>
            <dt>{tr!("受信済み")}</dt>
            <dd class="pulled" data-cursor=status.state.pulled_cursor.to_string()>
                {tr!("サーバの記録 %{cursor}番まで", cursor = status.state.pulled_cursor)}
            </dd>
            <dt>{tr!("最後に同期できた時刻")}</dt>
            <dd>{last}</dd>
            <dt>{tr!("最後のエラー")}</dt>
            <dd class="last-error">{status.state.last_error.unwrap_or_else(|| tr!("なし").into_owned())}</dd>
        </dl>
    }
}

#[component]
fn EnrollForm() -> impl IntoView {
    let store = use_store();
    let code = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let enroll = local_action(move |_: &()| {
        let (store, code, name) = (store.clone(), code.get_untracked(), name.get_untracked());
        async move {
            let name = match daicho_core::history::device_name(&name) {
                Ok(name) => name,
                Err(e) => return Outcome::Failed(e),
            };
            match sync::enroll(&store, &code, &name).await {
                Ok(()) => {
                    notify_state_changed();
                    // The first sync follows by itself, shortly.
                    request_soon();
                    Outcome::Done(tr!("この端末を登録しました。").into_owned())
                }
                Err(e) => Outcome::Failed(e.to_string()),
            }
        }
    });
    view! {
        <RecordForm class="card wide enroll-form no-print" action=enroll>
            <h2>{tr!("端末の登録")}</h2>
            <p class="hint">{tr!("システム管理者が発行した登録コード（daicho-server enroll-token）を入力します。この端末の鍵は端末の外に出ません。")}</p>
            <Field id="enroll-name" label=tr!("この端末の名前（例：本庁 住民窓口 タブレット1）")>
                <input id="enroll-name" autocomplete="off" bind:value=name/>
            </Field>
            <Field id="enroll-code" label=tr!("登録コード")>
                <input id="enroll-code" autocomplete="off" bind:value=code/>
            </Field>
            <button type="submit" id="enroll" class="button primary">{tr!("登録")}</button>
        </RecordForm>
    }
}

/// This tablet's storage, for the administrator: kept for good or not, used and left, what
/// to do about it, and the browser asked again for persistence.
#[component]
fn StorageCard() -> impl IntoView {
    let status = follow_storage();
    let ask = local_action(|_: &()| device_storage::ask_to_persist());
    let refused = move || ask.value().get() == Some(Some(false));
    view! {
        <section class="card wide storage-card">
            <h2>{tr!("この端末の保存領域")}</h2>
            {move || status.get().map(|(report, unsent)| {
                let concerns = report.concerns(unsent);
                let unprotected = report.persisted == Some(false);
                view! {
                    <StorageSummary report/>
                    {(!concerns.is_empty()).then(|| view! {
                        // The alert wraps the list: a list keeps its role (and its items theirs).
                        <div role="alert">
                            <ul class="storage-concerns">
                                {concerns.iter().map(|c| view! { <li>{c.message()}</li> }).collect_view()}
                            </ul>
                        </div>
                    })}
                    {unprotected.then(|| view! {
                        <button type="button" id="ask-persist" class="button"
                            on:click=move |_| { ask.dispatch(()); }>{tr!("保存領域の保護をブラウザに求める")}</button>
                    })}
                }
            })}
            <Shown when=refused>
                <p class="hint" role="status">{tr!("ブラウザは保護を認めませんでした。アプリをインストールする（ホーム画面に追加する）と認められることがあります。")}</p>
            </Shown>
        </section>
    }
}

#[component]
fn StorageSummary(report: StorageReport) -> impl IntoView {
    let persisted = match report.persisted {
        Some(true) => tr!("保護されています（ブラウザが消去しません）"),
        Some(false) => {
            tr!("保護されていません（空き容量が不足するとブラウザが消去することがあります）")
        }
        None => tr!("このブラウザでは確認できません"),
    };
    let size = |bytes: Option<u64>| bytes.map_or_else(|| tr!("不明").into_owned(), size_text);
    let state = report
        .persisted
        .map_or("unknown", |p| if p { "true" } else { "false" });
    view! {
        <dl class="storage-state">
            <dt>{tr!("保護")}</dt>
            <dd class="persisted" data-persisted=state>{persisted}</dd>
            <dt>{tr!("使用量")}</dt>
            <dd class="usage" data-bytes=report.usage.map(|u| u.to_string())>{size(report.usage)}</dd>
            <dt>{tr!("空き（上限まで）")}</dt>
            <dd class="available" data-bytes=report.available().map(|a| a.to_string())>
                {size(report.available())} {report.quota.map(|q| tr!("（上限 %{quota}）", quota = size_text(q)))}
            </dd>
        </dl>
    }
}
