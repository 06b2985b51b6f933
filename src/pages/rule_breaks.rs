//! 例外: what a sync showed to have broken a rule (a key lent offline to someone whose
//! permission was revoked elsewhere, say). The records stay as they were made; each case is
//! addressed to the room's entry manager and the general manager, and marked for the
//! operator signed in when it is theirs to look at. The entry manager records how each was
//! dealt with (`BreakHandled`); the report of 第20条 states it.

use crate::auth::session::Session;
use crate::components::ja_day::today;
use crate::components::log_table::LogTable;
use crate::components::record_form::{record, said};
use crate::components::record_link::RecordLink;
use crate::components::register_output::RegisterOutput;
use crate::directory::Directory;
use crate::state::{follow_store, local_action, use_store};
use crate::store::Store;
use daicho_core::organisation::{Organisation, Role};
use daicho_core::room_permit::entry_manager_role;
use daicho_core::rule_breaks::{handled_text, BreakHandled, RuleBreak};
use daicho_core::{tr, wareki, EventKind, Registers};
use leptos::prelude::*;
use std::borrow::Cow;

/// The rule breaks with what naming them needs: the registers (rooms, who held which role,
/// and how each break was handled).
#[derive(Clone, Default, PartialEq)]
struct Loaded {
    breaks: Vec<RuleBreak>,
    registers: Registers,
}

impl Loaded {
    async fn read(store: &Store) -> crate::store::Result<Loaded> {
        let (breaks, registers) = futures::try_join!(store.rule_breaks(), store.registers())?;
        Ok(Loaded { breaks, registers })
    }
}

#[component]
pub fn RuleBreaksPage() -> impl IntoView {
    // Read again after each write or sync: a sync is what reveals a break.
    let read =
        follow_store(
            move |store| async move { Loaded::read(&store).await.map_err(|e| e.to_string()) },
        );
    let loaded = Memo::new(move |_| read.get().and_then(Result::ok).unwrap_or_default());
    let target = RwSignal::new(None::<RuleBreak>);
    view! {
        <section class="card wide rule-breaks-page" data-ready=move || read.is_read().then_some("true")>
            <h2>{tr!("例外（同期で判明した規則違反の疑い）")}</h2>
            <p class="hint">{tr!("オフラインの間に記録され、他の端末の記録と合わせると規則に合わないものです。記録は訂正も削除もせず、そのまま残しています。宛先の管理者が確認してください。")}</p>
            {move || read.get().and_then(Result::err).map(|e| view! {
                <p class="form-error" role="alert">{tr!("例外を読めませんでした。")} {e}</p>
            })}
            <BreakTable loaded target/>
            <HandlingForm loaded target/>
        </section>
    }
}

/// A line of the table: a break as said to the operator signed in.
#[derive(Clone)]
struct BreakLine {
    rule_break: RuleBreak,
    message: String,
    addressees: String,
    to_me: bool,
    /// How it was dealt with, in words ("未処置" for not yet).
    handled: String,
    is_handled: bool,
    /// May the operator record its handling (the room's entry manager today)?
    mine_to_handle: bool,
}

#[component]
fn BreakTable(loaded: Memo<Loaded>, target: RwSignal<Option<RuleBreak>>) -> impl IntoView {
    let directory = expect_context::<Directory>();
    let me = expect_context::<Session>().operator_id();
    let lines = Signal::derive(move || {
        loaded.with(|l| {
            // The roles the operator signed in holds today.
            let organisation = l.registers.organisation();
            let mine = organisation.roles_of(&me, today());
            let line = |b: &RuleBreak| {
                let room = l.registers.room(&b.room_id);
                let room_name = room.map_or(b.room_id.clone(), |r| r.name.clone());
                let steps = l.registers.office().handlings_of(&b.record);
                let manager = room.map(|r| entry_manager_role(r.level));
                BreakLine {
                    message: b.message(&directory.name_of(&b.person_id), &room_name),
                    addressees: addressees(b, organisation, &directory),
                    to_me: is_addressed_to(b, &mine),
                    handled: handled_text(&steps, |id| directory.name_of(id)),
                    is_handled: !steps.is_empty(),
                    mine_to_handle: manager.is_some_and(|m| mine.contains(&m)),
                    rule_break: b.clone(),
                }
            };
            l.breaks.iter().map(line).collect::<Vec<BreakLine>>()
        })
    });
    let key = |l: &BreakLine| {
        (
            l.rule_break.record.to_string(),
            l.addressees.clone(),
            l.to_me,
            l.handled.clone(),
        )
    };
    let row = move |line: BreakLine| {
        let b = line.rule_break;
        let chosen = b.clone();
        let handle = line.mine_to_handle.then(|| {
            let label = if line.is_handled {
                tr!("処置を追記")
            } else {
                tr!("処置を記録")
            };
            view! {
                <button type="button" class="button pick-handling"
                    on:click=move |_| target.set(Some(chosen.clone()))>{label}</button>
            }
        });
        view! {
            <tr class="rule-break" class:to-me=line.to_me class:handled=line.is_handled
                data-code=b.kind.code() data-handled=line.is_handled.to_string()>
                <td>{wareki::datetime_text(b.at)}</td>
                <td class="message">{line.message}</td>
                <td class="addressed">{line.addressees}{line.to_me.then(|| view! { <span class="no-print">{tr!(" （あなた宛て）")}</span> })}</td>
                <td class="handling">{line.handled}</td>
                <td class="actions"><RecordLink id=b.record.clone()/>{handle}</td>
            </tr>
        }
    };
    let csv = Signal::derive(move || lines.get().iter().map(csv_row).collect());
    view! {
        <RegisterOutput what="rule_breaks" header=csv_header() rows=csv covers=tr!("すべての例外").into_owned()/>
        <LogTable
            class="register rule-breaks"
            columns=vec![tr!("日時"), tr!("内容"), tr!("宛先"), tr!("処置"), "".into()]
            rows=lines
            key
            row
            empty=tr!("例外はありません。")
        />
    }
}

/// The CSV's columns.
fn csv_header() -> [Cow<'static, str>; 6] {
    [
        tr!("日時（和暦）"),
        tr!("日時（西暦 ISO）"),
        tr!("種別"),
        tr!("内容"),
        tr!("宛先"),
        tr!("処置"),
    ]
}

/// A break's line for the CSV and print, as the table says it.
fn csv_row(line: &BreakLine) -> Vec<String> {
    let at = line.rule_break.at;
    vec![
        wareki::datetime_text(at),
        wareki::to_jst(at).to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        line.rule_break.kind.code().to_string(),
        line.message.clone(),
        line.addressees.clone(),
        line.handled.clone(),
    ]
}

/// The entry manager records how the chosen break was dealt with (第18条第1項): what was found
/// and done. A further step follows the latest one recorded.
#[component]
fn HandlingForm(loaded: Memo<Loaded>, target: RwSignal<Option<RuleBreak>>) -> impl IntoView {
    let (store, session) = (use_store(), expect_context::<Session>());
    let how = RwSignal::new(String::new());
    let handle = local_action(move |_: &()| {
        let (store, operator) = (store.clone(), session.operator_id());
        let chosen = target.get_untracked();
        let follows = chosen.as_ref().and_then(|b| {
            let office = |l: &Loaded| {
                l.registers
                    .office()
                    .handlings_of(&b.record)
                    .last()
                    .map(|h| h.id.clone())
            };
            loaded.with_untracked(office)
        });
        let how = how.get_untracked();
        async move {
            let b =
                chosen.ok_or_else(|| tr!("処置を記録する例外を選んでください。").into_owned())?;
            let handled = BreakHandled {
                record: b.record.clone(),
                room_id: b.room_id.clone(),
                how,
                follows,
                handled_on: today(),
            };
            let kind = EventKind::BreakHandled(handled);
            let done = tr!("例外の処置を記録しました。").into_owned();
            record(&store, &operator, kind, done).await
        }
    });
    // Done: the form closes, its text cleared, and the page reads the store again.
    Effect::new(move |_| {
        if let Some(Ok(_)) = handle.value().get() {
            how.set(String::new());
            target.set(None);
        }
    });
    view! {
        {move || target.get().map(|b| view! {
            <div class="handling-form" data-record=b.record.to_string()>
                <h3>{tr!("例外の処置を記録する（入退室管理者、第18条第1項）")}</h3>
                <p class="hint">{tr!("%{at}の例外。何を確かめ、どう対応したかを書いてください。記録した処置は変えられません（追記はできます）。", at = wareki::datetime_text(b.at))}</p>
                <div class="field">
                    <label for="break-handling">{tr!("処置の内容")}</label>
                    <textarea id="break-handling" rows="3" bind:value=how></textarea>
                </div>
                <button type="button" id="break-handle" class="button primary" disabled=move || handle.pending().get()
                    on:click=move |_| { handle.dispatch(()); }>{tr!("処置を記録")}</button>
                <button type="button" class="button" on:click=move |_| target.set(None)>{tr!("やめる")}</button>
            </div>
        })}
        {move || handle.value().get().map(said)}
    }
}

/// "入退室管理者（レベル3・2）（佐藤）、セキュリティ総括責任者（…）".
fn addressees(b: &RuleBreak, organisation: &Organisation, directory: &Directory) -> String {
    let day = today();
    b.addressed_to
        .iter()
        .map(|role| {
            let holder = organisation
                .who_held(*role, day)
                .map_or_else(|| tr!("未登録").into_owned(), |id| directory.name_of(id));
            let role = role.name_text();
            tr!("%{role}（%{holder}）", role = role, holder = holder).into_owned()
        })
        .collect::<Vec<_>>()
        .join(&tr!("、"))
}

/// How many rule breaks not yet handled are addressed to the operator signed in (for ホーム's
/// notice).
pub async fn count_for_operator(store: &Store, operator: &str) -> usize {
    let read = futures::try_join!(
        store.rule_breaks(),
        store.organisation(),
        store.handled_breaks()
    );
    let Ok((breaks, organisation, handled)) = read else {
        return 0;
    };
    let mine = organisation.roles_of(operator, today());
    let open = breaks.iter().filter(|b| !handled.contains(&b.record));
    open.filter(|b| is_addressed_to(b, &mine)).count()
}

/// Is the break for someone holding `roles`?
fn is_addressed_to(b: &RuleBreak, roles: &[Role]) -> bool {
    b.addressed_to.iter().any(|r| roles.contains(r))
}
