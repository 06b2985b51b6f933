//! 例外: what a sync showed to have broken a rule (a key lent offline to someone whose
//! permission was revoked elsewhere, say). The records stay as they were made; each case is
//! addressed to the room's entry manager and the general manager, and marked for the
//! operator signed in when it is theirs to look at.

use crate::auth::session::Session;
use crate::components::ja_day::today;
use crate::components::log_table::LogTable;
use crate::components::record_link::RecordLink;
use crate::components::register_output::RegisterOutput;
use crate::directory::Directory;
use crate::state::follow_store;
use crate::store::Store;
use daicho_core::organisation::{Organisation, Role};
use daicho_core::rule_breaks::RuleBreak;
use daicho_core::{wareki, Room};
use leptos::prelude::*;
use std::collections::HashMap;

/// The rule breaks with what naming them needs: the rooms, and who held which role.
#[derive(Debug, Clone, Default, PartialEq)]
struct Loaded {
    breaks: Vec<RuleBreak>,
    rooms: HashMap<String, Room>,
    organisation: Organisation,
}

impl Loaded {
    async fn read(store: &Store) -> crate::store::Result<Loaded> {
        let rooms = store.rooms().await?;
        Ok(Loaded {
            breaks: store.rule_breaks().await?,
            rooms: rooms.into_iter().map(|r| (r.id.clone(), r)).collect(),
            organisation: store.organisation().await?,
        })
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
    view! {
        <section class="card wide rule-breaks-page" data-ready=move || read.is_read().then_some("true")>
            <h2>"例外（同期で判明した規則違反の疑い）"</h2>
            <p class="hint">"オフラインの間に記録され、他の端末の記録と合わせると規則に合わないものです。記録は訂正も削除もせず、そのまま残しています。宛先の管理者が確認してください。"</p>
            {move || read.get().and_then(Result::err).map(|e| view! {
                <p class="form-error" role="alert">"例外を読めませんでした。" {e}</p>
            })}
            <BreakTable loaded/>
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
}

#[component]
fn BreakTable(loaded: Memo<Loaded>) -> impl IntoView {
    let directory = expect_context::<Directory>();
    let me = expect_context::<Session>().operator_id();
    let lines = Signal::derive(move || {
        loaded.with(|l| {
            // The roles the operator signed in holds today.
            let mine = l.organisation.roles_of(&me, today());
            let line = |b: &RuleBreak| {
                let room = l
                    .rooms
                    .get(&b.room_id)
                    .map_or(b.room_id.clone(), |r| r.name.clone());
                BreakLine {
                    message: b.message_ja(&directory.name_of(&b.person_id), &room),
                    addressees: addressees(b, &l.organisation, &directory),
                    to_me: is_addressed_to(b, &mine),
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
        )
    };
    let row = |line: BreakLine| {
        let b = line.rule_break;
        view! {
            <tr class="rule-break" class:to-me=line.to_me data-code=b.kind.code()>
                <td>{wareki::datetime_ja(b.at)}</td>
                <td class="message">{line.message}</td>
                <td class="addressed">{line.addressees}{line.to_me.then_some(" （あなた宛て）")}</td>
                <td><RecordLink id=b.record.clone()/></td>
            </tr>
        }
    };
    let csv = Signal::derive(move || lines.get().iter().map(csv_row).collect());
    view! {
        <RegisterOutput what="rule_breaks" header=&CSV_HEADER rows=csv covers="すべての例外"/>
        <LogTable
            class="register rule-breaks"
            columns=vec!["日時", "内容", "宛先", ""]
            rows=lines
            key
            row
            empty="例外はありません。"
        />
    }
}

/// The CSV's columns.
const CSV_HEADER: [&str; 5] = ["日時（和暦）", "日時（西暦 ISO）", "種別", "内容", "宛先"];

/// A break's line for the CSV and print, as the table says it.
fn csv_row(line: &BreakLine) -> Vec<String> {
    let at = line.rule_break.at;
    vec![
        wareki::datetime_ja(at),
        wareki::to_jst(at).to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        line.rule_break.kind.code().to_string(),
        line.message.clone(),
        line.addressees.clone(),
    ]
}

/// "入退室管理者（レベル3・2）（佐藤）、セキュリティ総括責任者（…）".
fn addressees(b: &RuleBreak, organisation: &Organisation, directory: &Directory) -> String {
    let day = today();
    b.addressed_to
        .iter()
        .map(|role| {
            let holder = organisation
                .who_held(*role, day)
                .map_or_else(|| "未登録".to_string(), |id| directory.name_of(id));
            format!("{}（{holder}）", role.name_ja())
        })
        .collect::<Vec<_>>()
        .join("、")
}

/// How many rule breaks are addressed to the operator signed in (for ホーム's notice).
pub async fn count_for_operator(store: &Store, operator: &str) -> usize {
    let (Ok(breaks), Ok(organisation)) = (store.rule_breaks().await, store.organisation().await)
    else {
        return 0;
    };
    let mine = organisation.roles_of(operator, today());
    breaks.iter().filter(|b| is_addressed_to(b, &mine)).count()
}

/// Is the break for someone holding `roles`?
fn is_addressed_to(b: &RuleBreak, roles: &[Role]) -> bool {
    b.addressed_to.iter().any(|r| roles.contains(r))
}
