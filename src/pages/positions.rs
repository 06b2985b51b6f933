//! 職と役割: which position holds each role of the regulation, who holds each position when,
//! and "who held role X on day D" (第3–5, 9, 13, 18条).

use crate::auth::session::Session;
use crate::components::ja_day::{ja_day, parse_day, today};
use crate::components::log_table::LogTable;
use crate::components::record_form::{Field, Outcome, RecordForm};
use crate::components::register_output::{fit, RegisterOutput};
use crate::components::staff_choice::person_label;
use crate::directory::Directory;
use crate::state::{follow_store, local_action, use_store};
use crate::store::{Store, StoreError};
use chrono::{NaiveDate, Utc};
use daicho_core::organisation::{Organisation, Position, Role, RoleAssigned, TenureRecorded};
use daicho_core::{tr, Refusal, RefusalCode, Refusals};
use leptos::prelude::*;
use std::borrow::Cow;

/// The positions and who held them when.
#[derive(Debug, Clone, Default, PartialEq)]
struct OrgView {
    positions: Vec<Position>,
    organisation: Organisation,
}

impl OrgView {
    async fn read(store: &Store) -> crate::store::Result<OrgView> {
        Ok(OrgView {
            positions: store.positions().await?,
            organisation: store.organisation().await?,
        })
    }

    fn position_name(&self, id: &str) -> String {
        self.positions
            .iter()
            .find(|p| p.id == id)
            .map_or_else(|| id.to_string(), |p| p.name.clone())
    }
}

/// What the form itself refuses before the store is asked, said as the store's refusals are.
fn missing(what: &str, field: daicho_core::Field) -> Refusal {
    let code = RefusalCode::Missing { what: what.into() };
    Refusal::new(code, field, None)
}

#[component]
pub fn PositionsPage() -> impl IntoView {
    // Read again after each write or sync.
    let read =
        follow_store(
            move |store| async move { OrgView::read(&store).await.map_err(|e| e.to_string()) },
        );
    let org = Memo::new(move |_| read.get().and_then(Result::ok).unwrap_or_default());
    view! {
        <div class="positions-page" data-ready=move || read.is_read().then_some("true")>
            {move || read.get().and_then(Result::err).map(|e| view! {
                <p class="form-error" role="alert">{tr!("職と役割を読めませんでした。")} {e}</p>
            })}
            <RolesToday org/>
            <Terms org/>
            <RecordTenure org/>
            <WhoHeld org/>
            <AmendMapping org/>
            <DefinePosition/>
        </div>
    }
}

/// A line of the roles today: the role, the position that holds it, and who holds that.
#[derive(Clone)]
struct RoleLine {
    role: Role,
    position: String,
    holder: String,
}

#[component]
fn RolesToday(org: Memo<OrgView>) -> impl IntoView {
    let directory = expect_context::<Directory>();
    let lines = Signal::derive(move || {
        let day = today();
        org.with(|v| {
            let line = |role: &Role| {
                let position = v.organisation.position_for(*role, day);
                let holder = v.organisation.who_held(*role, day);
                RoleLine {
                    role: *role,
                    position: position.map(|p| v.position_name(p)).unwrap_or_default(),
                    holder: holder
                        .map_or_else(|| tr!("（未登録）").into_owned(), |h| directory.name_of(h)),
                }
            };
            Role::ALL.iter().map(line).collect()
        })
    });
    let key = |l: &RoleLine| (l.role, l.position.clone(), l.holder.clone());
    let row = |line: RoleLine| {
        view! {
            <tr data-role=format!("{:?}", line.role)>
                <td>{line.role.name_text()}</td>
                <td>{line.role.article().to_string()}</td>
                <td>{line.position}</td>
                <td class="holder">{line.holder}</td>
            </tr>
        }
    };
    view! {
        <section class="card wide">
            <h2>{tr!("役割と担当者（本日）")}</h2>
            <LogTable
                class="register roles-today"
                columns=vec![tr!("役割"), tr!("規程"), tr!("職"), tr!("担当者")]
                rows=lines
                key
                row
                empty=tr!("役割の定めがありません。")
            />
        </section>
    }
}

/// The register of terms of office: each position's holders, newest first within it.
#[component]
fn Terms(org: Memo<OrgView>) -> impl IntoView {
    let directory = expect_context::<Directory>();
    let lines = Signal::derive(move || {
        org.with(|v| {
            let mut terms: Vec<TenureRecorded> = v.organisation.tenures.iter().cloned().collect();
            terms.sort_by(|a, b| (&a.position_id, b.from).cmp(&(&b.position_id, a.from)));
            terms
                .iter()
                .map(|t| term_line(t, v, &directory))
                .collect::<Vec<Vec<String>>>()
        })
    });
    let row = |line: Vec<String>| {
        let cells = line
            .into_iter()
            .map(|c| {
                let class = fit(&c);
                view! { <td class=class>{c}</td> }
            })
            .collect_view();
        view! { <tr class="term">{cells}</tr> }
    };
    let key = |l: &Vec<String>| l.clone();
    view! {
        <section class="card wide terms">
            <h2>{tr!("任期の一覧")}</h2>
            <RegisterOutput what="terms" header=terms_header() rows=lines
                covers=tr!("すべての任期").into_owned()/>
            <LogTable
                class="register terms-list"
                columns=terms_header().to_vec()
                rows=lines
                key
                row
                empty=tr!("任期は記録されていません。")
            />
        </section>
    }
}

fn terms_header() -> [Cow<'static, str>; 6] {
    [
        tr!("職"),
        tr!("担当者"),
        tr!("所属"),
        tr!("就任"),
        tr!("退任"),
        tr!("役割（本日）"),
    ]
}

/// A term as the list and the CSV say it: names, 和暦 days, and the roles its position holds
/// today.
fn term_line(t: &TenureRecorded, v: &OrgView, directory: &Directory) -> Vec<String> {
    let affiliation = directory
        .0
        .with_untracked(|m| m.get(&t.holder).map(|p| p.affiliation.clone()));
    let roles: Vec<String> = Role::ALL
        .iter()
        .filter(|r| v.organisation.position_for(**r, today()) == Some(t.position_id.as_str()))
        .map(|r| r.name_text().to_string())
        .collect();
    vec![
        v.position_name(&t.position_id),
        directory.name_of(&t.holder),
        affiliation.unwrap_or_default(),
        ja_day(t.from),
        t.to.map(ja_day)
            .unwrap_or_else(|| tr!("（定めなし）").into_owned()),
        roles.join(&*tr!("、")),
    ]
}

/// The positions as options of a select.
fn position_options(org: Memo<OrgView>) -> impl IntoView {
    move || {
        org.with(|v| {
            v.positions
                .iter()
                .map(|p| view! { <option value=p.id.clone()>{p.name.clone()}</option> })
                .collect_view()
        })
    }
}

#[component]
fn RecordTenure(org: Memo<OrgView>) -> impl IntoView {
    let (store, session) = (use_store(), expect_context::<Session>());
    let directory = expect_context::<Directory>();
    let position = RwSignal::new(String::new());
    let holder = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let record = local_action(move |_: &()| {
        let (store, operator) = (store.clone(), session.operator_id());
        let tenure = tenure(position, holder, from, to);
        async move {
            let result = match tenure {
                Ok(tenure) => store.record_tenure(tenure, &operator, Utc::now()).await,
                Err(refusals) => Err(StoreError::Refused(refusals)),
            };
            Outcome::of(result, tr!("任期を記録しました。"))
        }
    });
    let staff_options = move || {
        directory
            .staff()
            .into_iter()
            .map(|p| {
                let label = person_label(&p);
                view! { <option value=p.id.clone()>{label}</option> }
            })
            .collect_view()
    };
    view! {
        <RecordForm class="card wide tenure-form" action=record>
            <h2>{tr!("任期を記録")}</h2>
            <Field id="tenure-position" label=tr!("職")>
                <select id="tenure-position" on:change=move |ev| position.set(event_target_value(&ev))>
                    <option value="">{tr!("選んでください")}</option>
                    {position_options(org)}
                </select>
            </Field>
            <Field id="tenure-holder" label=tr!("担当者")>
                <select id="tenure-holder" on:change=move |ev| holder.set(event_target_value(&ev))>
                    <option value="">{tr!("選んでください")}</option>
                    {staff_options}
                </select>
            </Field>
            <Field id="tenure-from" label=tr!("開始日") refusals=daicho_core::Field::Period>
                <input id="tenure-from" type="date" aria-describedby="tenure-from-error" bind:value=from/>
            </Field>
            <Field id="tenure-to" label=tr!("終了日（在任中は空欄）")>
                <input id="tenure-to" type="date" bind:value=to/>
            </Field>
            <button type="submit" id="record-tenure" class="button primary">{tr!("記録")}</button>
        </RecordForm>
    }
}

/// The term as filled in; refused if its position, holder or first day is missing.
fn tenure(
    position: RwSignal<String>,
    holder: RwSignal<String>,
    from: RwSignal<String>,
    to: RwSignal<String>,
) -> Result<TenureRecorded, Refusals> {
    let (position_id, holder) = (position.get_untracked(), holder.get_untracked());
    let start = parse_day(&from.get_untracked());
    let mut refusals = Refusals::default();
    if position_id.is_empty() || holder.is_empty() {
        refusals.push(missing(&tr!("職と担当者"), daicho_core::Field::Person));
    }
    if start.is_none() {
        refusals.push(missing(&tr!("開始日"), daicho_core::Field::Period));
    }
    match start {
        Some(from) if refusals.0.is_empty() => Ok(TenureRecorded {
            position_id,
            holder,
            from,
            to: parse_day(&to.get_untracked()),
        }),
        _ => Err(refusals),
    }
}

#[component]
fn WhoHeld(org: Memo<OrgView>) -> impl IntoView {
    let directory = expect_context::<Directory>();
    let role = RwSignal::new(Role::GeneralManager);
    let day = RwSignal::new(today().to_string());
    let answer = move || {
        let d = NaiveDate::parse_from_str(&day.get(), "%Y-%m-%d").ok()?;
        let r = role.get();
        Some(org.with(|v| {
            let position = v
                .organisation
                .position_for(r, d)
                .map(|p| v.position_name(p));
            let (day, role) = (ja_day(d), r.name_text());
            let said = match (
                v.organisation.who_held(r, d).map(|h| directory.name_of(h)),
                position,
            ) {
                (Some(name), Some(p)) => tr!(
                    "%{day}の%{role}は%{name}さん（%{position}）です。",
                    day = day,
                    role = role,
                    name = name,
                    position = p
                ),
                (None, Some(p)) => tr!(
                    "%{day}の%{role}（%{position}）の担当者は記録されていません。",
                    day = day,
                    role = role,
                    position = p
                ),
                _ => tr!(
                    "%{day}には%{role}の定めがありません。",
                    day = day,
                    role = role
                ),
            };
            said.into_owned()
        }))
    };
    let pick_role = move |ev| {
        let index: usize = event_target_value(&ev).parse().unwrap_or(0);
        role.set(Role::ALL[index.min(Role::ALL.len() - 1)]);
    };
    view! {
        <section class="card wide who-held">
            <h2>{tr!("過去の担当者を調べる")}</h2>
            <Field id="query-role" label=tr!("役割")>
                <select id="query-role" on:change=pick_role>
                    {Role::ALL.iter().enumerate().map(|(i, r)| view! {
                        <option value=i.to_string()>{r.name_text()}</option>
                    }).collect_view()}
                </select>
            </Field>
            <Field id="query-date" label=tr!("日付")>
                <input id="query-date" type="date" bind:value=day/>
            </Field>
            <p class="answer" role="status">{answer}</p>
        </section>
    }
}

/// An amendment of the regulation's role → position mapping, from a date on (the mapping before
/// it still answers for earlier days).
#[component]
fn AmendMapping(org: Memo<OrgView>) -> impl IntoView {
    let (store, session) = (use_store(), expect_context::<Session>());
    let role = RwSignal::new(0usize);
    let position = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let basis = RwSignal::new(String::new());
    let amend = local_action(move |_: &()| {
        let (store, operator) = (store.clone(), session.operator_id());
        let assignment = parse_day(&from.get_untracked()).map(|effective_from| RoleAssigned {
            role: Role::ALL[role.get_untracked().min(Role::ALL.len() - 1)],
            position_id: position.get_untracked(),
            effective_from,
            basis: basis.get_untracked().trim().to_string(),
        });
        async move {
            let result = match assignment {
                Some(a) => store.amend_mapping(a, &operator, Utc::now()).await,
                None => {
                    let refusal = missing(&tr!("施行日"), daicho_core::Field::Period);
                    Err(StoreError::Refused(Refusals(vec![refusal])))
                }
            };
            let day = result.as_ref().ok().map(|a| ja_day(a.effective_from));
            let done = day.map(|day| tr!("%{day}からの割当てを記録しました。", day = day));
            Outcome::of(result, done.unwrap_or_default())
        }
    });
    view! {
        <RecordForm class="card wide mapping-form" action=amend>
            <h2>{tr!("役割の割当てを改正")}</h2>
            <p class="hint">{tr!("規程の改正で役割を担う職が変わったとき、施行日からの割当てを記録します。それより前の日は元の割当てのまま答えます。")}</p>
            <Field id="mapping-role" label=tr!("役割")>
                <select id="mapping-role" on:change=move |ev| role.set(event_target_value(&ev).parse().unwrap_or(0))>
                    {Role::ALL.iter().enumerate().map(|(i, r)| view! {
                        <option value=i.to_string()>{r.name_text()}</option>
                    }).collect_view()}
                </select>
            </Field>
            // The register names an unknown position as its Field::Person.
            <Field id="mapping-position" label=tr!("職") refusals=daicho_core::Field::Person>
                <select id="mapping-position" aria-describedby="mapping-position-error"
                    on:change=move |ev| position.set(event_target_value(&ev))>
                    <option value="">{tr!("選んでください")}</option>
                    {position_options(org)}
                </select>
            </Field>
            <Field id="mapping-from" label=tr!("施行日") refusals=daicho_core::Field::Period>
                <input id="mapping-from" type="date" aria-describedby="mapping-from-error" bind:value=from/>
            </Field>
            <Field id="mapping-basis" label=tr!("改正の根拠") refusals=daicho_core::Field::Purpose>
                <input id="mapping-basis" autocomplete="off" aria-describedby="mapping-basis-error" bind:value=basis/>
            </Field>
            <button type="submit" id="amend-mapping" class="button primary">{tr!("記録")}</button>
        </RecordForm>
    }
}

#[component]
fn DefinePosition() -> impl IntoView {
    let (store, session) = (use_store(), expect_context::<Session>());
    let name = RwSignal::new(String::new());
    let define = local_action(move |_: &()| {
        let position = Position {
            id: crate::store::new_id(),
            name: name.get_untracked().trim().to_string(),
        };
        let done = tr!("%{name}を追加しました。", name = position.name);
        let (store, operator) = (store.clone(), session.operator_id());
        async move {
            let result = store.define_position(position, &operator, Utc::now()).await;
            if result.is_ok() {
                name.try_set(String::new());
            }
            Outcome::of(result, done)
        }
    });
    view! {
        <RecordForm class="card wide position-form" action=define>
            <h2>{tr!("職を追加")}</h2>
            // The register names a position without a name as its Field::Person.
            <Field id="position-name" label=tr!("職の名称") refusals=daicho_core::Field::Person>
                <input id="position-name" autocomplete="off" aria-describedby="position-name-error" bind:value=name/>
            </Field>
            <button type="submit" id="define-position" class="button primary">{tr!("追加")}</button>
        </RecordForm>
    }
}
