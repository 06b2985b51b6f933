//! 操作者IDの種類 (第10条第1項第3号・第11条): each kind, what it permits on the 住基ネット
//! terminals, which acts of Daichō it governs, and who holds it. A kind is amended by defining
//! it again under its id (the newest definition holds; the earlier one stays in its history).

use super::LedgersView;
use crate::auth::session::Session;
use crate::components::form_message::{FormMessage, Outcome};
use crate::components::record_link::RecordLink;
use crate::directory::Directory;
use crate::store::new_id;
use chrono::Utc;
use daicho_core::id_ledger::{GovernedAct, IdState, OperatorIdKindDefined};
use daicho_core::EventKind;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

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
        acts.sort();
        OperatorIdKindDefined {
            id: if id.is_empty() { new_id() } else { id },
            name: self.name.get_untracked().trim().to_string(),
            permits: self.permits.get_untracked().trim().to_string(),
            acts,
        }
    }
}

/// The acts a kind governs, as the table and the print show them.
fn acts_ja(acts: &[GovernedAct]) -> String {
    match acts.is_empty() {
        true => "—".to_string(),
        false => acts
            .iter()
            .map(|a| a.name_ja())
            .collect::<Vec<_>>()
            .join("、"),
    }
}

#[component]
pub(super) fn KindsSection(
    loaded: RwSignal<LedgersView>,
    on_recorded: Callback<()>,
) -> impl IntoView {
    let store = crate::state::use_store_value();
    let session = expect_context::<Session>();
    let form = KindForm::new();
    let message: Outcome = RwSignal::new(None);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let amending = !form.id.get_untracked().is_empty();
        let kind = EventKind::OperatorIdKindDefined(form.definition());
        let (store, operator) = (store.get_value(), session.operator_id());
        spawn_local(async move {
            match store.record(kind, &operator, Utc::now()).await {
                Ok(_) => {
                    let done = match amending {
                        true => "操作者IDの種類を変更しました（変更前の定義は履歴に残ります）。",
                        false => "操作者IDの種類を登録しました。",
                    };
                    message.set(Some((true, done.into())));
                    form.load(None);
                    on_recorded.run(());
                }
                Err(e) => message.set(Some((false, e.to_string()))),
            }
        });
    };
    view! {
        <section class="card wide">
            <h2>"操作者IDの種類（第10条第1項第3号・第11条）"</h2>
            <KindsTable loaded/>
            <form class="kind-form" on:submit=submit>
                <h3>"種類を登録・変更"</h3>
                <KindChoice loaded form/>
                <div class="field">
                    <label for="kind-name">"種類の名称"</label>
                    <input id="kind-name" autocomplete="off" bind:value=form.name/>
                </div>
                <div class="field">
                    <label for="kind-permits">"許可される操作"</label>
                    <input id="kind-permits" autocomplete="off" bind:value=form.permits/>
                </div>
                <ActChecks acts=form.acts/>
                <button type="submit" id="define-kind" class="button primary">"登録"</button>
                <FormMessage outcome=message/>
            </form>
        </section>
    }
}

#[component]
fn KindsTable(loaded: RwSignal<LedgersView>) -> impl IntoView {
    let directory = expect_context::<Directory>();
    // Who holds each kind: the operators with an active 操作者ID of it (第11条).
    let holders = move |kind_id: &str| {
        loaded.with(|l| {
            l.ids
                .iter()
                .filter(|r| r.kind_id.as_deref() == Some(kind_id) && r.state == IdState::Active)
                .map(|r| directory.name_of(&r.person_id))
                .collect::<Vec<_>>()
                .join("、")
        })
    };
    view! {
        <table class="register operator-kinds">
            <thead><tr>
                <th>"種類"</th><th>"許可される操作"</th><th>"Daichōで管理する操作"</th>
                <th>"保有者"</th><th></th>
            </tr></thead>
            <tbody>
                {move || loaded.with(|l| l.kinds.clone()).into_iter().map(|k| {
                    let link = loaded.with(|l| l.kind_defined_by.get(&k.id).cloned());
                    view! {
                        <tr data-kind=k.id.clone()>
                            <td class="kind-name">{k.name.clone()}</td>
                            <td>{k.permits.clone()}</td>
                            <td class="kind-acts">{acts_ja(&k.acts)}</td>
                            <td class="kind-holders">{holders(&k.id)}</td>
                            <td>{link.map(|id| view! { <RecordLink id/> })}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// New kind, or one of the kinds to amend.
#[component]
fn KindChoice(loaded: RwSignal<LedgersView>, form: KindForm) -> impl IntoView {
    let choose = move |ev| {
        let id = event_target_value(&ev);
        form.load(loaded.with_untracked(|l| l.kinds.iter().find(|k| k.id == id).cloned()));
    };
    view! {
        <div class="field">
            <label for="kind-choice">"登録する種類"</label>
            <select id="kind-choice" prop:value=move || form.id.get() on:change=choose>
                <option value="">"新しい種類"</option>
                {move || loaded.with(|l| l.kinds.clone()).into_iter().map(|k| view! {
                    <option value=k.id.clone()>{format!("{}を変更", k.name)}</option>
                }).collect_view()}
            </select>
        </div>
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
            <legend>"Daichōで管理する操作（第11条）"</legend>
            <p class="hint">
                "選んだ操作は、この種類の操作者IDを有効に持つ方だけが記録できるようになります。"
            </p>
            {GovernedAct::ALL.into_iter().map(|act| view! {
                <label class="check">
                    <input type="checkbox" value=act.key()
                        prop:checked=move || acts.with(|a| a.contains(&act))
                        on:change=move |ev| toggle(act, event_target_checked(&ev))/>
                    {act.name_ja()}
                </label>
            }).collect_view()}
        </fieldset>
    }
}
