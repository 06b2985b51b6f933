//! 職と役割: which position holds each role of the regulation, who holds each position when,
//! and "who held role X on day D" (第3–5, 9, 13, 18条).

use crate::auth::session::Session;
use crate::components::form_message::FormMessage;
use crate::components::ja_day::{ja_day, today};
use crate::directory::Directory;
use chrono::{NaiveDate, Utc};
use daicho_core::organisation::{Organisation, Position, Role, RoleAssigned, TenureRecorded};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[derive(Clone, Default)]
struct OrgView {
    positions: Vec<Position>,
    organisation: Organisation,
}

impl OrgView {
    fn position_name(&self, id: &str) -> String {
        self.positions
            .iter()
            .find(|p| p.id == id)
            .map_or_else(|| id.to_string(), |p| p.name.clone())
    }
}

#[component]
pub fn PositionsPage() -> impl IntoView {
    let store = crate::state::use_store_value();
    let view_state = RwSignal::new_local(OrgView::default());
    let reload = move || {
        spawn_local(async move {
            let store = store.get_value();
            if let (Ok(positions), Ok(organisation)) =
                (store.positions().await, store.organisation().await)
            {
                view_state.set(OrgView {
                    positions,
                    organisation,
                });
            }
        })
    };
    reload();
    view! {
        <div class="positions-page" data-ready="true">
            <RolesToday view_state/>
            <RecordTenure view_state on_recorded=Callback::new(move |()| reload())/>
            <WhoHeld view_state/>
            <AmendMapping view_state on_amended=Callback::new(move |()| reload())/>
            <DefinePosition on_defined=Callback::new(move |()| reload())/>
        </div>
    }
}

#[component]
fn RolesToday(view_state: RwSignal<OrgView, LocalStorage>) -> impl IntoView {
    let directory = expect_context::<Directory>();
    let rows = move || {
        let day = today();
        view_state.with(|v| {
            Role::ALL
                .iter()
                .map(|role| {
                    let position = v.organisation.position_for(*role, day);
                    let holder = v.organisation.who_held(*role, day);
                    (
                        *role,
                        position.map(|p| v.position_name(p)).unwrap_or_default(),
                        holder.map_or_else(|| "（未登録）".to_string(), |h| directory.name_of(h)),
                    )
                })
                .collect::<Vec<_>>()
        })
    };
    view! {
        <section class="card wide">
            <h2>"役割と担当者（本日）"</h2>
            <table class="register roles-today">
                <thead>
                    <tr><th>"役割"</th><th>"規程"</th><th>"職"</th><th>"担当者"</th></tr>
                </thead>
                <tbody>
                    {move || rows().into_iter().map(|(role, position, holder)| view! {
                        <tr data-role=format!("{role:?}")>
                            <td>{role.name_ja()}</td>
                            <td>{role.article().to_string()}</td>
                            <td>{position}</td>
                            <td class="holder">{holder}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

#[component]
fn RecordTenure(
    view_state: RwSignal<OrgView, LocalStorage>,
    on_recorded: Callback<()>,
) -> impl IntoView {
    let store = crate::state::use_store_value();
    let session = expect_context::<Session>();
    let directory = expect_context::<Directory>();
    let position = RwSignal::new(String::new());
    let holder = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let message = RwSignal::new(None::<(bool, String)>);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let parse = |s: String| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok();
        let Some(start) = parse(from.get_untracked()) else {
            return message.set(Some((false, "開始日を入力してください。".into())));
        };
        if position.get_untracked().is_empty() || holder.get_untracked().is_empty() {
            return message.set(Some((false, "職と担当者を選んでください。".into())));
        }
        let tenure = TenureRecorded {
            position_id: position.get_untracked(),
            holder: holder.get_untracked(),
            from: start,
            to: parse(to.get_untracked()),
        };
        let (store, operator) = (store.get_value(), session.operator_id());
        spawn_local(async move {
            match store.record_tenure(tenure, &operator, Utc::now()).await {
                Ok(_) => {
                    message.set(Some((true, "任期を記録しました。".into())));
                    on_recorded.run(());
                }
                Err(e) => message.set(Some((false, e.to_string()))),
            }
        });
    };
    view! {
        <form class="card wide tenure-form" on:submit=submit>
            <h2>"任期を記録"</h2>
            <div class="field">
                <label for="tenure-position">"職"</label>
                <select id="tenure-position" on:change=move |ev| position.set(event_target_value(&ev))>
                    <option value="">"選んでください"</option>
                    {move || view_state.with(|v| v.positions.iter().map(|p| view! {
                        <option value=p.id.clone()>{p.name.clone()}</option>
                    }).collect_view())}
                </select>
            </div>
            <div class="field">
                <label for="tenure-holder">"担当者"</label>
                <select id="tenure-holder" on:change=move |ev| holder.set(event_target_value(&ev))>
                    <option value="">"選んでください"</option>
                    {move || directory.staff().into_iter().map(|p| view! {
                        <option value=p.id.clone()>{format!("{}（{}）", p.name, p.affiliation)}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="tenure-from">"開始日"</label>
                <input id="tenure-from" type="date" bind:value=from/>
            </div>
            <div class="field">
                <label for="tenure-to">"終了日（在任中は空欄）"</label>
                <input id="tenure-to" type="date" bind:value=to/>
            </div>
            <button type="submit" id="record-tenure" class="button primary">"記録"</button>
            <FormMessage outcome=message/>
        </form>
    }
}

#[component]
fn WhoHeld(view_state: RwSignal<OrgView, LocalStorage>) -> impl IntoView {
    let directory = expect_context::<Directory>();
    let role = RwSignal::new(Role::GeneralManager);
    let day = RwSignal::new(today().to_string());
    let answer = move || {
        let d = NaiveDate::parse_from_str(&day.get(), "%Y-%m-%d").ok()?;
        let r = role.get();
        Some(view_state.with(|v| {
            let position = v
                .organisation
                .position_for(r, d)
                .map(|p| v.position_name(p));
            match (v.organisation.who_held(r, d), position) {
                (Some(h), Some(p)) => format!(
                    "{}の{}は{}さん（{}）です。",
                    ja_day(d),
                    r.name_ja(),
                    directory.name_of(h),
                    p
                ),
                (None, Some(p)) => {
                    format!(
                        "{}の{}（{}）の担当者は記録されていません。",
                        ja_day(d),
                        r.name_ja(),
                        p
                    )
                }
                _ => format!("{}には{}の定めがありません。", ja_day(d), r.name_ja()),
            }
        }))
    };
    let pick_role = move |ev| {
        let index: usize = event_target_value(&ev).parse().unwrap_or(0);
        role.set(Role::ALL[index.min(Role::ALL.len() - 1)]);
    };
    view! {
        <section class="card wide who-held">
            <h2>"過去の担当者を調べる"</h2>
            <div class="field">
                <label for="query-role">"役割"</label>
                <select id="query-role" on:change=pick_role>
                    {Role::ALL.iter().enumerate().map(|(i, r)| view! {
                        <option value=i.to_string()>{r.name_ja()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="query-date">"日付"</label>
                <input id="query-date" type="date" bind:value=day/>
            </div>
            <p class="answer" role="status">{answer}</p>
        </section>
    }
}

/// An amendment of the regulation's role → position mapping, from a date on (the mapping before
/// it still answers for earlier days).
#[component]
fn AmendMapping(
    view_state: RwSignal<OrgView, LocalStorage>,
    on_amended: Callback<()>,
) -> impl IntoView {
    let store = crate::state::use_store_value();
    let session = expect_context::<Session>();
    let role = RwSignal::new(0usize);
    let position = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let basis = RwSignal::new(String::new());
    let message = RwSignal::new(None::<(bool, String)>);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Ok(effective_from) = NaiveDate::parse_from_str(&from.get_untracked(), "%Y-%m-%d")
        else {
            return message.set(Some((false, "施行日を入力してください。".into())));
        };
        let assignment = RoleAssigned {
            role: Role::ALL[role.get_untracked().min(Role::ALL.len() - 1)],
            position_id: position.get_untracked(),
            effective_from,
            basis: basis.get_untracked().trim().to_string(),
        };
        let (store, operator) = (store.get_value(), session.operator_id());
        spawn_local(async move {
            match store.amend_mapping(assignment, &operator, Utc::now()).await {
                Ok(a) => {
                    let text = format!("{}からの割当てを記録しました。", ja_day(a.effective_from));
                    message.set(Some((true, text)));
                    on_amended.run(());
                }
                Err(e) => message.set(Some((false, e.to_string()))),
            }
        });
    };
    view! {
        <form class="card wide mapping-form" on:submit=submit>
            <h2>"役割の割当てを改正"</h2>
            <p class="hint">"規程の改正で役割を担う職が変わったとき、施行日からの割当てを記録します。それより前の日は元の割当てのまま答えます。"</p>
            <div class="field">
                <label for="mapping-role">"役割"</label>
                <select id="mapping-role" on:change=move |ev| role.set(event_target_value(&ev).parse().unwrap_or(0))>
                    {Role::ALL.iter().enumerate().map(|(i, r)| view! {
                        <option value=i.to_string()>{r.name_ja()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="mapping-position">"職"</label>
                <select id="mapping-position" on:change=move |ev| position.set(event_target_value(&ev))>
                    <option value="">"選んでください"</option>
                    {move || view_state.with(|v| v.positions.iter().map(|p| view! {
                        <option value=p.id.clone()>{p.name.clone()}</option>
                    }).collect_view())}
                </select>
            </div>
            <div class="field">
                <label for="mapping-from">"施行日"</label>
                <input id="mapping-from" type="date" bind:value=from/>
            </div>
            <div class="field">
                <label for="mapping-basis">"改正の根拠"</label>
                <input id="mapping-basis" autocomplete="off" bind:value=basis/>
            </div>
            <button type="submit" id="amend-mapping" class="button primary">"記録"</button>
            <FormMessage outcome=message/>
        </form>
    }
}

#[component]
fn DefinePosition(on_defined: Callback<()>) -> impl IntoView {
    let store = crate::state::use_store_value();
    let session = expect_context::<Session>();
    let name = RwSignal::new(String::new());
    let message = RwSignal::new(None::<(bool, String)>);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let position = Position {
            id: crate::store::new_id(),
            name: name.get_untracked().trim().to_string(),
        };
        let (store, operator) = (store.get_value(), session.operator_id());
        spawn_local(async move {
            match store.define_position(position, &operator, Utc::now()).await {
                Ok(p) => {
                    message.set(Some((true, format!("{}を追加しました。", p.name))));
                    name.set(String::new());
                    on_defined.run(());
                }
                Err(e) => message.set(Some((false, e.to_string()))),
            }
        });
    };
    view! {
        <form class="card wide position-form" on:submit=submit>
            <h2>"職を追加"</h2>
            <div class="field">
                <label for="position-name">"職の名称"</label>
                <input id="position-name" autocomplete="off" bind:value=name/>
            </div>
            <button type="submit" id="define-position" class="button primary">"追加"</button>
            <FormMessage outcome=message/>
        </form>
    }
}
