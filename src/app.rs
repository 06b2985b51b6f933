//! The application shell: header, update banner, sign-in, and the page chosen in the nav.

use crate::auth::session::Session;
use crate::components::focus::SkipLink;
use crate::components::header::Header;
use crate::components::shown::Shown;
use crate::components::storage_warning::StorageWarning;
use crate::components::update_banner::UpdateBanner;
use crate::directory::Directory;
use crate::pages::assets::AssetsPage;
use crate::pages::entry_log::EntryLogPage;
use crate::pages::equipment::EquipmentPage;
use crate::pages::history::OperationsPage;
use crate::pages::home::HomePage;
use crate::pages::id_ledgers::IdLedgersPage;
use crate::pages::instructions::InstructionsPage;
use crate::pages::keys::KeysPage;
use crate::pages::meetings::MeetingsPage;
use crate::pages::people::PeoplePage;
use crate::pages::permits::PermitsPage;
use crate::pages::positions::PositionsPage;
use crate::pages::record::{RecordPage, VersionsPage};
use crate::pages::rooms::RoomsPage;
use crate::pages::rule_breaks::RuleBreaksPage;
use crate::pages::sign_in::SignInPage;
use crate::pages::sync::SyncPage;
use crate::pwa;
use crate::state::{
    follow_registers, local_action, provide_app_state, use_store, use_versions, Editing,
    SyncSignals, Versions,
};
use crate::store::Store;
use crate::sync::{runner, SyncState};
use chrono::{DateTime, Utc};
use daicho_core::{tr, wareki};
use leptos::prelude::*;
use std::borrow::Cow;
use std::rc::Rc;

/// The IndexedDB database of the app.
pub const DB_NAME: &str = "daicho";

#[component]
pub fn App() -> impl IntoView {
    let update_ready = RwSignal::new(false);
    pwa::register_service_worker(update_ready);
    wasm_bindgen_futures::spawn_local(crate::device_storage::ask_again_if_refused());
    crate::components::register_output::mark_before_every_print();
    provide_context(Session::restore());
    let opened = LocalResource::new(|| async {
        let store = Store::open(DB_NAME).await.map_err(|e| e.to_string())?;
        let people = store.people().await.map_err(|e| e.to_string())?;
        Ok::<_, String>((Rc::new(store), people))
    });
    view! {
        // Opaque, over index.html's first screen (`pwa::leave_first_screen`).
        <div class="app-layer">
        <SkipLink/>
        <Header/>
        <UpdateBanner ready=update_ready/>
        <main id="main">
            <Transition fallback=|| view! { <p class="loading">{tr!("読み込み中…")}</p> }>
                {move || {
                    opened
                        .get()
                        .map(|opened| match opened {
                            Ok((store, people)) => {
                                provide_context(Directory::new(people));
                                view! { <Gate store/> }.into_any()
                            }
                            Err(e) => {
                                view! {
                                    <p class="fatal" role="alert">
                                        {tr!("この端末の記録を開けませんでした。")} {e}
                                    </p>
                                }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
        </main>
        </div>
    }
}

/// The pages a signed-in operator moves between, each with its address (`#/keys`), so a
/// reload stays on the page and the browser's back button works.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Page {
    Home,
    EntryLog,
    Keys,
    Permits,
    Rooms,
    People,
    Positions,
    Meetings,
    Instructions,
    Reports,
    Equipment,
    IdLedgers,
    Assets,
    Sync,
    RuleBreaks,
    /// The operation history of every device (第12条).
    Operations,
    /// One record with its whole history and corrections (`#/record/<event id>`).
    Record(String),
    /// Every version of a master record (`#/history/room:<id>`).
    History(String),
}

/// Every page of the nav and its address: the daily logbooks first.
const PAGES: [(Page, &str); 16] = [
    (Page::Home, "#/"),
    (Page::EntryLog, "#/entry-log"),
    (Page::Keys, "#/keys"),
    (Page::Permits, "#/permits"),
    (Page::Rooms, "#/rooms"),
    (Page::People, "#/people"),
    (Page::Positions, "#/positions"),
    (Page::Meetings, "#/meetings"),
    (Page::Instructions, "#/instructions"),
    (Page::Reports, "#/reports"),
    (Page::Equipment, "#/equipment"),
    (Page::IdLedgers, "#/id-ledgers"),
    (Page::Assets, "#/assets"),
    (Page::Sync, "#/sync"),
    (Page::RuleBreaks, "#/exceptions"),
    (Page::Operations, "#/operations"),
];

/// A page's label in the nav (and the name its wrapper carries).
fn label(page: &Page) -> Option<Cow<'static, str>> {
    Some(match page {
        Page::Home => tr!("ホーム"),
        Page::EntryLog => tr!("入退室管理簿"),
        Page::Keys => tr!("鍵の管理簿"),
        Page::Permits => tr!("入室許可"),
        Page::Rooms => tr!("室・鍵"),
        Page::People => tr!("職員・来訪者"),
        Page::Positions => tr!("職と役割"),
        Page::Meetings => tr!("セキュリティ会議"),
        Page::Instructions => tr!("指示・依頼"),
        Page::Reports => tr!("報告"),
        Page::Equipment => tr!("機器"),
        Page::IdLedgers => tr!("ID管理簿"),
        Page::Assets => tr!("情報資産"),
        Page::Sync => tr!("端末と同期"),
        Page::RuleBreaks => tr!("例外"),
        Page::Operations => tr!("操作履歴"),
        Page::Record(_) | Page::History(_) => return None,
    })
}

const RECORD_PREFIX: &str = "#/record/";
const HISTORY_PREFIX: &str = "#/history/";

fn decoded(part: &str) -> String {
    js_sys::decode_uri_component(part).map_or(part.to_string(), String::from)
}

fn page_from_hash() -> Page {
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    if let Some(id) = hash.strip_prefix(RECORD_PREFIX) {
        return Page::Record(decoded(id));
    }
    if let Some(key) = hash.strip_prefix(HISTORY_PREFIX) {
        return Page::History(decoded(key));
    }
    PAGES
        .iter()
        .find(|(_, h)| *h == hash)
        .map_or(Page::Home, |(p, _)| p.clone())
}

fn hash_of(page: &Page) -> Option<String> {
    match page {
        Page::Record(id) => return Some(format!("{RECORD_PREFIX}{id}")),
        Page::History(key) => return Some(format!("{HISTORY_PREFIX}{key}")),
        _ => {}
    }
    PAGES
        .iter()
        .find(|(p, _)| p == page)
        .map(|(_, h)| h.to_string())
}

/// The page signal, kept in step with the address in both directions.
fn page_signal() -> RwSignal<Page> {
    let page = RwSignal::new(page_from_hash());
    if let Some(window) = web_sys::window() {
        gloo::events::EventListener::new(&window, "hashchange", move |_| {
            let now = page_from_hash();
            if page.get_untracked() != now {
                page.set(now)
            }
        })
        .forget();
    }
    Effect::new(move |_| {
        let hash = page.with(hash_of);
        if let (Some(window), Some(hash)) = (web_sys::window(), hash) {
            if window.location().hash().ok().as_deref() != Some(hash.as_str()) {
                let _ = window.location().set_hash(&hash);
            }
        }
    });
    page
}

/// Keeps the people register the pages name people by (`Directory`) as the store holds it:
/// read again after each write (but an entry's or an exit's) or sync.
fn follow_people() {
    let directory = expect_context::<Directory>();
    let people = follow_registers(|store| async move { store.people().await });
    Effect::new(move |_| {
        if let Some(Ok(people)) = people.get() {
            directory.replace(people);
        }
    });
}

/// Starts the sync runner for this tab and follows what it brings in: the pages' reads
/// refresh in place (`Versions`); a form being filled in, or showing how its submit went, is
/// told by a banner (`arrived`).
fn start_sync(store: Rc<Store>, versions: Versions, editing: Editing) -> RwSignal<bool> {
    let signals = SyncSignals::provide();
    runner::start(store);
    let arrived = RwSignal::new(false);
    Effect::new(move |previous: Option<u64>| {
        let count = signals.arrived.get();
        if previous.is_some() {
            versions.synced();
            if editing.any() {
                arrived.set(true);
            }
        }
        count
    });
    arrived
}

#[component]
fn ArrivedBanner(arrived: RwSignal<bool>) -> impl IntoView {
    let versions = use_versions();
    let show_all = move |_| {
        arrived.set(false);
        versions.synced();
    };
    view! {
        <Shown when=move || arrived.get()>
            <p class="arrived-banner no-print" role="status">
                {tr!("他の端末の記録を受信しました。")}
                <button type="button" class="button" on:click=show_all>{tr!("表示を更新")}</button>
            </p>
        </Shown>
    }
}

/// A run of failed syncs (the endpoint answering errors, not the network being away), told on
/// every page: the records wait on this tablet, and someone must look at the endpoint.
#[component]
fn SyncTrouble(page: RwSignal<Page>) -> impl IntoView {
    let signals = expect_context::<SyncSignals>();
    let store = use_store();
    let state = LocalResource::new(move || {
        signals.state_changed.track();
        let store = store.clone();
        async move { SyncState::of(&store).await.ok() }
    });
    let failing = move || state.get().flatten().filter(SyncState::is_failing);
    view! {
        {move || failing().map(|s| {
            let since = s
                .failing_since_ms
                .and_then(DateTime::from_timestamp_millis)
                .map(wareki::datetime_text)
                .unwrap_or_default();
            let error = s.last_error.unwrap_or_default();
            view! {
                <p class="sync-trouble no-print" role="alert">
                    <strong>{tr!("⚠ 同期が%{count}回続けて失敗しています（%{since}から）", count = s.failed_in_a_row, since = since)}</strong>
                    <span>{error}</span>
                    <span>{tr!("記録はこの端末に残っています。続く場合はシステム管理者に連絡してください。")}</span>
                    <button type="button" class="button" on:click=move |_| page.set(Page::Sync)>
                        {tr!("端末と同期を開く")}
                    </button>
                </p>
            }
        })}
    }
}

/// Sign-in first; then the nav and the chosen page.
#[component]
fn Gate(store: Rc<Store>) -> impl IntoView {
    let versions = provide_app_state(store.clone());
    let editing = Editing::provide();
    let session = expect_context::<Session>();
    let page = page_signal();
    let to_entry_log = Callback::new(move |room: Option<String>| {
        if let Some(room) = room {
            crate::pages::entry_log::remember_room(&room);
        }
        page.set(Page::EntryLog)
    });
    let to_keys = Callback::new(move |()| page.set(Page::Keys));
    let signed_in = move || session.0.with(Option::is_some);
    follow_people();
    let arrived = start_sync(store, versions, editing);
    crate::auth::idle::watch(session);
    view! {
        <Shown when=signed_in fallback=move || view! { <SignInPage/> }>
            <OperatorBar page/>
            <ArrivedBanner arrived/>
            <SyncTrouble page/>
            // A page's read again after a write or a sync keeps it on screen: without the
            // Transition, the read would suspend the shell's Suspense and blank the app.
            <Transition>
            // Inside the Transition: its first read is waited for with the page's, so the
            // warning does not push the page down when it arrives.
            <StorageWarning/>
            {move || {
                let shown = page.get();
                // The wrapper is drawn with the page and names its tab: whoever waits for it
                // (the e2e tests) knows the new page is on screen, not the one left behind.
                let label = label(&shown);
                let view = match shown {
                Page::Home => view! { <HomePage on_entry_log=to_entry_log on_keys=to_keys/> }.into_any(),
                Page::EntryLog => view! { <EntryLogPage/> }.into_any(),
                Page::Keys => view! { <KeysPage/> }.into_any(),
                Page::Permits => view! { <PermitsPage/> }.into_any(),
                Page::Rooms => view! { <RoomsPage/> }.into_any(),
                Page::People => view! { <PeoplePage/> }.into_any(),
                Page::Positions => view! { <PositionsPage/> }.into_any(),
                Page::Meetings => view! { <MeetingsPage/> }.into_any(),
                Page::Instructions => view! { <InstructionsPage/> }.into_any(),
                Page::Reports => view! { <crate::pages::reports::ReportsPage/> }.into_any(),
                Page::Equipment => view! { <EquipmentPage/> }.into_any(),
                Page::IdLedgers => view! { <IdLedgersPage/> }.into_any(),
                Page::Assets => view! { <AssetsPage/> }.into_any(),
                Page::Sync => view! { <SyncPage/> }.into_any(),
                Page::RuleBreaks => view! { <RuleBreaksPage/> }.into_any(),
                Page::Operations => view! { <OperationsPage/> }.into_any(),
                Page::Record(id) => view! { <RecordPage id/> }.into_any(),
                Page::History(key) => view! { <VersionsPage key/> }.into_any(),
                };
                // The skip link's target: the page itself, past the bars of tabs.
                view! { <div class="page" id="page-content" tabindex="-1" data-tab=label>{view}</div> }
            }}</Transition>
        </Shown>
    }
}

#[component]
fn OperatorBar(page: RwSignal<Page>) -> impl IntoView {
    let store = use_store();
    let session = expect_context::<Session>();
    let name = move || session.0.with(|o| o.as_ref().map(|o| o.name.clone()));
    let sign_out = local_action(move |_: &()| {
        let (store, id) = (store.clone(), session.operator_id());
        async move {
            // The sign-out is history (第12条); the tab signs out even if recording it fails.
            let _ = store.sign_out(&id, false, Utc::now()).await;
            session.sign_out();
        }
    });
    let tab = move |target: &Page| {
        let label = label(target);
        let (current, target) = (target.clone(), target.clone());
        view! {
            <button type="button" class="tab" aria-current=move || page.with(|p| *p == current).then_some("page")
                on:click=move |_| page.set(target.clone())>
                {label}
            </button>
        }
    };
    let (daily, registers) = PAGES.split_at(3);
    view! {
        <nav class="operator-bar" aria-label=tr!("ページ")>
            {daily.iter().map(|(p, _)| tab(p)).collect_view()}
            <span class="operator">{move || name().map(|name| tr!("%{name} さん", name = name))}</span>
            <button type="button" id="sign-out" class="button" on:click=move |_| { sign_out.dispatch(()); }>{tr!("サインアウト")}</button>
        </nav>
        <nav class="register-bar" aria-label=tr!("台帳")>
            {registers.iter().map(|(p, _)| tab(p)).collect_view()}
        </nav>
    }
}
