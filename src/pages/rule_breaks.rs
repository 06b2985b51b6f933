//! 例外: what a sync showed to have broken a rule (a key lent offline to someone whose
//! permission was revoked elsewhere, say). The records stay as they were made; each case is
//! addressed to the room's entry manager and the general manager, and marked for the
//! operator signed in when it is theirs to look at.

use crate::auth::session::Session;
use crate::components::ja_day::today;
use crate::components::record_link::RecordLink;
use crate::directory::Directory;
use crate::store::Store;
use daicho_core::organisation::{Organisation, Role};
use daicho_core::rule_breaks::RuleBreak;
use daicho_core::{wareki, Room};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::HashMap;

#[derive(Clone)]
struct Loaded {
    breaks: Vec<RuleBreak>,
    rooms: HashMap<String, Room>,
    organisation: Organisation,
}

async fn load(store: &Store) -> Option<Loaded> {
    let breaks = store.rule_breaks().await.ok()?;
    let rooms = store.rooms().await.ok()?;
    let organisation = store.organisation().await.ok()?;
    Some(Loaded {
        breaks,
        rooms: rooms.into_iter().map(|r| (r.id.clone(), r)).collect(),
        organisation,
    })
}

#[component]
pub fn RuleBreaksPage() -> impl IntoView {
    let store = crate::state::use_store_value();
    let loaded = RwSignal::new(None::<Loaded>);
    spawn_local(async move { loaded.set(load(&store.get_value()).await) });
    view! {
        <section class="card wide rule-breaks-page" data-ready=move || loaded.with(Option::is_some).then_some("true")>
            <h2>"例外（同期で判明した規則違反の疑い）"</h2>
            <p class="hint">"オフラインの間に記録され、他の端末の記録と合わせると規則に合わないものです。記録は訂正も削除もせず、そのまま残しています。宛先の管理者が確認してください。"</p>
            {move || loaded.get().map(|l| view! { <BreakTable loaded=l/> })}
        </section>
    }
}

#[component]
fn BreakTable(loaded: Loaded) -> impl IntoView {
    if loaded.breaks.is_empty() {
        return view! { <p class="empty">"例外はありません。"</p> }.into_any();
    }
    let directory = expect_context::<Directory>();
    let mine = my_roles(&loaded.organisation);
    let rows = loaded
        .breaks
        .iter()
        .map(|b| {
            let room = loaded
                .rooms
                .get(&b.room_id)
                .map_or(b.room_id.clone(), |r| r.name.clone());
            let message = b.message_ja(&directory.name_of(&b.person_id), &room);
            let to_me = is_addressed_to(b, &mine);
            let addressees = addressees(b, &loaded.organisation, &directory);
            view! {
                <tr class="rule-break" class:to-me=to_me data-code=b.kind.code()>
                    <td>{wareki::datetime_ja(b.at)}</td>
                    <td class="message">{message}</td>
                    <td class="addressed">{addressees}{to_me.then_some(" （あなた宛て）")}</td>
                    <td><RecordLink id=b.record.clone()/></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="register rule-breaks">
            <thead><tr><th>"日時"</th><th>"内容"</th><th>"宛先"</th><th></th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

/// The roles the signed-in operator holds today.
fn my_roles(organisation: &Organisation) -> Vec<Role> {
    let me = expect_context::<Session>().operator_id();
    organisation.roles_of(&me, today())
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
