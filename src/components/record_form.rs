//! The form every register records through: its fields, each with the refusal that concerns
//! it under it (`Field`), and how its submit went under the form (`RecordForm`). The refusals
//! are daicho-core's, naming what, why and which article; the form only places them.

use super::remedy::RemedyLinks;
use super::shown::Shown;
use crate::state::Editing;
use crate::store::StoreError;
use daicho_core::Refusals;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use std::time::Duration;

/// How a form's submit went.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Outcome {
    /// Nothing submitted yet (or the form was cleared).
    #[default]
    Nothing,
    /// Recorded: what to tell the clerk.
    Done(String),
    /// A rule refused it: each refusal at its field, all of them under the form.
    Refused(Refusals),
    /// The device failed (storage, network): nothing was recorded.
    Failed(String),
}

impl Outcome {
    /// How a store write went, `done` being what to say on success.
    pub fn of<T>(result: Result<T, StoreError>, done: impl Into<String>) -> Outcome {
        match result {
            Ok(_) => Outcome::Done(done.into()),
            Err(StoreError::Refused(refusals)) => Outcome::Refused(refusals),
            Err(e) => Outcome::Failed(e.to_string()),
        }
    }

    /// How a store write went whose success the page says itself (the logbook's notice: who,
    /// and when): nothing under the form then, so it is not said twice.
    pub fn said_by_page<T>(result: Result<T, StoreError>) -> Outcome {
        match Outcome::of(result, String::new()) {
            Outcome::Done(_) => Outcome::Nothing,
            not_done => not_done,
        }
    }

    pub fn is_done(&self) -> bool {
        matches!(self, Outcome::Done(_))
    }

    /// The refusals of one field.
    fn refusals_of(&self, field: daicho_core::Field) -> Vec<String> {
        match self {
            Outcome::Refused(refusals) => refusals.for_field(field).map(|r| r.message()).collect(),
            _ => Vec::new(),
        }
    }

    /// The codes of one field's refusals (for their remedies).
    fn codes_of(&self, field: daicho_core::Field) -> Vec<daicho_core::RefusalCode> {
        match self {
            Outcome::Refused(refusals) => {
                refusals.for_field(field).map(|r| r.code.clone()).collect()
            }
            _ => Vec::new(),
        }
    }
}

/// What a form shares with its fields: how its last submit went.
#[derive(Clone, Copy)]
pub struct FormState {
    pub outcome: RwSignal<Outcome>,
    /// The form's write pending for `BUSY_SHOWN_AFTER` (its `aria-busy`, its button's `disabled`).
    pub busy: Signal<bool>,
}

/// A form of a register: submitting dispatches `action`, which records and resolves to how it
/// went. While the clerk types in it, or it shows its outcome, it counts as being edited
/// (`Editing`), so a sync says so rather than surprise them.
#[component]
pub fn RecordForm(
    /// The form's classes (its style and its hook for tests), e.g. `card wide room-form`.
    #[prop(into)]
    class: String,
    action: Action<(), Outcome>,
    children: Children,
) -> impl IntoView {
    let state = FormState {
        outcome: RwSignal::new(Outcome::Nothing),
        busy: busy_shown(action),
    };
    provide_context(state);
    Effect::new(move |_| {
        if let Some(outcome) = action.value().get() {
            state.outcome.set(outcome);
        }
    });
    let typed = RwSignal::new(false);
    track_editing(typed, state.outcome);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        // A second tap (or Enter) while the first is recorded records nothing: the button
        // shows itself disabled only once a write is slow (`busy_shown`).
        if action.pending().get_untracked() {
            return;
        }
        typed.set(false);
        action.dispatch(());
    };
    view! {
        <form class=class on:submit=submit on:input=move |_| typed.set(true)
            aria-busy=move || state.busy.get().to_string()>
            {children()}
            <FormOutcome outcome=state.outcome/>
        </form>
    }
}

/// How long a write runs before its form shows itself busy. A tap recorded within a frame or
/// two draws nothing in between: a frame drawn for the busy state, mid-write, held back the
/// write's own reads by ~4 ms (docs/performance.md). A slow write (a full disk, a stalled
/// store) still shows that it is working.
pub const BUSY_SHOWN_AFTER: Duration = Duration::from_millis(150);

/// `action` pending, once it has been pending for `BUSY_SHOWN_AFTER`. Its submit refuses a
/// second dispatch meanwhile by itself.
fn busy_shown<I: 'static, O: 'static>(action: Action<I, O>) -> Signal<bool> {
    let shown = RwSignal::new(false);
    let timer = StoredValue::new(None::<TimeoutHandle>);
    let stop = move || {
        if let Some(handle) = timer.try_update_value(Option::take).flatten() {
            handle.clear();
        }
    };
    Effect::new(move |_| {
        stop();
        if !action.pending().get() {
            shown.set(false);
            return;
        }
        let show = move || {
            shown.try_set(action.pending().try_get_untracked().unwrap_or(false));
        };
        timer.set_value(set_timeout_with_handle(show, BUSY_SHOWN_AFTER).ok());
    });
    on_cleanup(stop);
    shown.into()
}

/// Whether the enclosing form shows itself busy (for its submit button's `disabled`).
pub fn form_busy() -> Signal<bool> {
    use_context::<FormState>()
        .map(|s| s.busy)
        .unwrap_or_default()
}

/// Counts the form in `Editing` while it holds typing or shows an outcome.
fn track_editing(typed: RwSignal<bool>, outcome: RwSignal<Outcome>) {
    let Some(editing) = use_context::<Editing>() else {
        return;
    };
    let dirty = Memo::new(move |_| typed.get() || outcome.with(|o| *o != Outcome::Nothing));
    Effect::new(move |was: Option<bool>| {
        let now = dirty.get();
        if was.unwrap_or(false) != now {
            editing.mark(now);
        }
        now
    });
    on_cleanup(move || {
        if dirty.try_get_untracked().unwrap_or(false) {
            editing.mark(false);
        }
    });
}

/// Records `kind` by `operator` now and says `done`; refused or failed, says why (for a form
/// whose outcome is one line, `said`).
pub async fn record(
    store: &crate::store::Store,
    operator: &str,
    kind: daicho_core::EventKind,
    done: String,
) -> Result<String, String> {
    let recorded = store.record(kind, operator, chrono::Utc::now()).await;
    recorded.map(|_| done).map_err(|e| e.to_string())
}

/// What a form's action answered: done, or why not (an error, announced).
pub fn said(outcome: Result<String, String>) -> AnyView {
    match outcome {
        Ok(done) => view! { <p class="status" role="status">{done}</p> }.into_any(),
        Err(e) => view! { <p class="form-error" role="alert">{e}</p> }.into_any(),
    }
}

/// How the submit went, under the form: done (status), or refused and failed (alert).
#[component]
pub fn FormOutcome(outcome: RwSignal<Outcome>) -> impl IntoView {
    move || match outcome.get() {
        Outcome::Nothing => None,
        Outcome::Done(text) => {
            Some(view! { <p class="status" role="status">{text}</p> }.into_any())
        }
        Outcome::Refused(refusals) => {
            let codes = refusals.0.iter().map(|r| r.code.clone()).collect();
            Some(view! {
                <p class="form-error" role="alert">{refusals.to_string()} <RemedyLinks codes/></p>
            }.into_any())
        }
        Outcome::Failed(text) => {
            Some(view! { <p class="form-error" role="alert">{text}</p> }.into_any())
        }
    }
}

/// One field of a form: its label, its input (the children), and under it the refusals that
/// concern it (the input names them with `aria-describedby="<id>-error"`).
#[component]
pub fn Field(
    /// The input's id, which the label points at.
    #[prop(into)]
    id: String,
    #[prop(into)] label: String,
    /// The field of daicho-core's refusals shown here.
    #[prop(optional)]
    refusals: Option<daicho_core::Field>,
    children: Children,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    view! {
        <div class="field">
            <label for=id>{label}</label>
            {children()}
            {refusals.map(|field| view! { <FieldRefusal field id=error_id/> })}
        </div>
    }
}

/// The refusals of `field` in the enclosing form's outcome, if any.
#[component]
pub fn FieldRefusal(field: daicho_core::Field, #[prop(into)] id: String) -> impl IntoView {
    let state = use_context::<FormState>();
    let messages = move || {
        state
            .map(|s| s.outcome.with(|o| o.refusals_of(field)))
            .unwrap_or_default()
    };
    view! {
        <Shown when=move || !messages().is_empty()>
            <p class="field-error" id=id.clone() data-field=format!("{field:?}")>
                {move || messages().join(" ")}
                " "
                {move || {
                    let codes = state.map(|s| s.outcome.with(|o| o.codes_of(field))).unwrap_or_default();
                    view! { <RemedyLinks codes/> }
                }}
            </p>
        </Shown>
    }
}
