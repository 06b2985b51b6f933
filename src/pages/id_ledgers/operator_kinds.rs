//! 操作者IDの種類 (第10条第1項第3号・第11条): each kind, what it permits on the 住基ネット
//! terminals, which acts of Daichō it governs, and who holds it. A kind is amended by defining
//! it again under its id (the newest definition holds; the earlier one stays in its history).

use super::LedgersView;
use crate::auth::session::Session;
use crate::components::log_table::LogTable;
use crate::components::record_form::{Field, Outcome, RecordForm};
use crate::components::record_link::RecordLink;
use crate::directory::Directory;
use crate::state::{local_action, use_store};
use crate::store::new_id;
use chrono::Utc;
use daicho_core::id_ledger::{GovernedAct, IdState, OperatorIdKindDefined};
use daicho_core::sort::sort;
use daicho_core::{tr, EventKind, Versioned};
use leptos::prelude::*;

/// The form's fields; `id` empty while a new kind is being defined.
#[derive(Clone, Copy)]
struct KindForm {
    id: RwSignal<String>,
    name: RwSignal<String>,
    permits: RwSignal<String>,
    acts: RwSignal<Vec<GovernedAct>>,
}

impl KindForm {
    fn new() -> Self {
        KindForm {
            id: RwSignal::new(String::new()),
            name: RwSignal::new(String::new()),
            permits: RwSignal::new(String::new()),
            acts: RwSignal::new(Vec::new()),
        }
    }

    /// Fills the form with `kind` to amend it, or empties it for a new one.
    fn load(&self, kind: Option<OperatorIdKindDefined>) {
        let kind = kind.unwrap_or(OperatorIdKindDefined {
            id: String::new(),
            name: String::new(),
            permits: String::new(),
            acts: Vec::new(),
        });
        self.id.set(kind.id);
        self.name.set(kind.name);
        self.permits.set(kind.permits);
        self.acts.set(kind.acts);
    }

    fn definition(&self) -> OperatorIdKindDefined {
        let id = self.id.get_untracked();
        let mut acts = self.acts.get_untracked();
        sort(&mut acts);
        OperatorIdKindDefined {
            id: if id.is_empty() { new_id() } else { id },
            name: self.name.get_untracked().trim().to_string(),
            permits: self.permits.get_untracked().trim().to_string(),
            acts,
        }
    }
}

/// The acts a kind governs, as the table and the print show them.
fn acts_text(acts: &[GovernedAct]) -> String {
    match acts.is_empty() {
        true => "—".to_string(),
        false => acts
            .iter()
            .map(|a| a.name_text())
            .collect::<Vec<_>>()
            .join(tr!("、").as_ref()),
    }
}

#[component]
pub(super) fn KindsSection(loaded: Memo<LedgersView>) -> impl IntoView {
    let (store, session) = (use_store(), expect_context::<Session>());
    let form = KindForm::new();
    let define = local_action(move |_: &()| {
        let done = match form.id.get_untracked().is_empty() {
            true => tr!("操作者IDの種類を登録しました。"),
            false => tr!("操作者IDの種類を変更しました（変更前の定義は履歴に残ります）。"),
        };
        let kind = EventKind::OperatorIdKindDefined(form.definition());
        let (store, operator) = (store.clone(), session.operator_id());
        async move {
            let outcome = Outcome::of(store.record(kind, &operator, Utc::now()).await, done);
            if outcome.is_done() {
                form.load(None);
            }
            outcome
        }
    });
    view! {
        <section class="card wide">
            <h2>{tr!("操作者IDの種類（第10条第1項第3号・第11条）")}</h2>
            <KindsTable loaded/>
            <RecordForm class="kind-form" action=define>
                <h3>{tr!("種類を登録・変更")}</h3>
                <KindChoice loaded form/>
                <Field id="kind-name" label=tr!("種類の名称") refusals=daicho_core::Field::Name>
                    <input id="kind-name" autocomplete="off" aria-describedby="kind-name-error"
                        bind:value=form.name/>
                </Field>
                <Field id="kind-permits" label=tr!("許可される操作") refusals=daicho_core::Field::Purpose>
                    <input id="kind-permits" autocomplete="off" aria-describedby="kind-permits-error"
                        bind:value=form.permits/>
                </Field>
                <ActChecks acts=form.acts/>
                <button type="submit" id="define-kind" class="button primary">{tr!("登録")}</button>
            </RecordForm>
        </section>
    }
}

/// A kind as its row shows it, with who holds it: the operators with an active 操作者ID of
/// it (第11条).
#[derive(Clone)]
struct KindLine {
    kind: Versioned<OperatorIdKindDefined>,
    holders: String,
}

impl KindLine {
    fn new(
        kind: &Versioned<OperatorIdKindDefined>,
        view: &LedgersView,
        directory: &Directory,
    ) -> Self {
        let holders = view
            .ids
            .iter()
            .filter(|r| r.kind_id.as_deref() == Some(&kind.id) && r.state == IdState::Active)
            .map(|r| directory.name_of(&r.person_id))
            .collect::<Vec<_>>()
            .join(tr!("、").as_ref());
        KindLine {
            kind: kind.clone(),
            holders,
        }
    }
}

#[component]
fn KindsTable(loaded: Memo<LedgersView>) -> impl IntoView {
    let directory = expect_context::<Directory>();
    let rows = Signal::derive(move || {
        loaded.with(|l| {
            l.kinds
                .iter()
                .map(|k| KindLine::new(k, l, &directory))
                .collect()
        })
    });
    // A row changes with a new definition of its kind, or a new holder.
    let key = |line: &KindLine| (line.kind.version.clone(), line.holders.clone());
    let row = |line: KindLine| {
        let (kind, defined_by) = (line.kind.value, line.kind.version.event());
        view! {
            <tr data-kind=kind.id.clone()>
                <td class="kind-name">{kind.name.clone()}</td>
                <td>{kind.permits.clone()}</td>
                <td class="kind-acts">{acts_text(&kind.acts)}</td>
                <td class="kind-holders">{line.holders}</td>
                <td><RecordLink id=defined_by/></td>
            </tr>
        }
    };
    view! {
        <LogTable
            class="register operator-kinds"
            columns=vec![tr!("種類"), tr!("許可される操作"), tr!("台帳で管理する操作"), tr!("保有者"), "".into()]
            rows
            key
            row
            empty=tr!("操作者IDの種類はまだ登録されていません。")
        />
    }
}

/// New kind, or one of the kinds to amend.
#[component]
fn KindChoice(loaded: Memo<LedgersView>, form: KindForm) -> impl IntoView {
    let choose = move |ev| {
        let id = event_target_value(&ev);
        let kind = loaded.with_untracked(|l| l.kinds.iter().find(|k| k.id == id).cloned());
        form.load(kind.map(|k| k.value));
    };
    let options = move || {
        loaded.with(|l| {
            l.kinds
                .iter()
                .map(
                    |k| view! { <option value=k.id.clone()>{tr!("%{name}を変更", name = k.name)}</option> },
                )
                .collect_view()
        })
    };
    view! {
        <Field id="kind-choice" label=tr!("登録する種類")>
            <select id="kind-choice" prop:value=move || form.id.get() on:change=choose>
                <option value="">{tr!("新しい種類")}</option>
                {options}
            </select>
        </Field>
    }
}

/// The acts of Daichō the kind governs (第11条): once chosen, only holders of an active
/// 操作者ID of the kind record them.
#[component]
fn ActChecks(acts: RwSignal<Vec<GovernedAct>>) -> impl IntoView {
    let toggle = move |act: GovernedAct, on: bool| {
        acts.update(|all| {
            all.retain(|a| *a != act);
            if on {
                all.push(act);
            }
        })
    };
    view! {
        <fieldset id="kind-acts" class="staff-checklist">
            <legend>{tr!("台帳で管理する操作（第11条）")}</legend>
            <p class="hint">
                {tr!("選んだ操作は、この種類の操作者IDを有効に持つ方だけが記録できるようになります。")}
            </p>
            {GovernedAct::ALL.into_iter().map(|act| view! {
                <label class="check">
                    <input type="checkbox" value=act.key()
                        prop:checked=move || acts.with(|a| a.contains(&act))
                        on:change=move |ev| toggle(act, event_target_checked(&ev))/>
                    {act.name_text()}
                </label>
            }).collect_view()}
        </fieldset>
    }
}
