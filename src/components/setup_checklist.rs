//! 初期設定の進み具合: for the first administrator, what of the town's setup is done and what
//! is next (daicho-core `setup`), each step a link to where it is recorded. Shown on ホーム to
//! the system administrator (or anyone while nobody holds that role) until every step is done.

use crate::auth::session::Session;
use crate::components::ja_day::today;
use crate::state::follow_store;
use daicho_core::organisation::Role;
use daicho_core::setup::{progress, SetupStep, StepState};
use daicho_core::tr;
use leptos::prelude::*;
use std::borrow::Cow;

/// Where each step is recorded.
fn page_of(step: SetupStep) -> (&'static str, Cow<'static, str>) {
    match step {
        SetupStep::Terms => ("#/positions", tr!("職と役割")),
        SetupStep::RoomsAndKeys => ("#/rooms", tr!("室・鍵")),
        SetupStep::Staff => ("#/people", tr!("職員・来訪者")),
        SetupStep::Permissions => ("#/permits", tr!("入室許可")),
        SetupStep::Enrollment => ("#/sync", tr!("端末と同期")),
    }
}

#[component]
pub fn SetupChecklist() -> impl IntoView {
    let operator = expect_context::<Session>().operator_id();
    // Once every step is done, ホーム reads nothing more for it (until the page is opened again).
    let finished = StoredValue::new(false);
    // Read again after each write or sync: a step done elsewhere shows at once. For anyone but
    // the system administrator only the small organisation register is read.
    let steps = follow_store(move |store| {
        let operator = operator.clone();
        async move {
            // A read may outlive ホーム (the page left while it ran): its value is then gone,
            // and so is the need to read.
            if finished.try_get_value().unwrap_or(true) {
                return None;
            }
            let day = today();
            let organisation = store.organisation().await.ok()?;
            let admin = organisation.who_held(Role::SystemAdministrator, day);
            if admin.is_some_and(|a| a != operator) {
                return None;
            }
            let (registers, sync) =
                futures::join!(store.registers(), crate::sync::SyncState::of(&store));
            let enrolled = sync.is_ok_and(|s| s.enrolled);
            let steps = progress(&registers.ok()?, day, enrolled);
            let done = steps.iter().all(StepState::is_done);
            let _ = finished.try_set_value(done);
            (!done).then_some(steps)
        }
    });
    let shown = move || steps.get().flatten();
    view! {
        {move || shown().map(|steps| {
            let next = steps.iter().position(|s| !s.is_done());
            view! {
                <section class="card wide setup-checklist" aria-labelledby="setup-heading">
                    <h2 id="setup-heading">{tr!("初期設定の進み具合")}</h2>
                    <ol class="setup-steps">
                        {steps.into_iter().enumerate().map(|(i, s)| step_line(s, Some(i) == next)).collect_view()}
                    </ol>
                </section>
            }
        })}
    }
}

/// One step: done (✓) or what it lacks, the next one marked, and the page that records it.
fn step_line(state: StepState, is_next: bool) -> impl IntoView {
    let (href, page) = page_of(state.step);
    let done = state.is_done();
    view! {
        <li class="setup-step" class:done=done class:next=is_next data-step=state.step.code()
            data-done=done.to_string()>
            <span class="mark">{if done { tr!("✓ 済み") } else if is_next { tr!("▶ 次") } else { tr!("未") }}</span>
            " " <strong>{state.step.name_text()}</strong>
            {(!done).then(|| view! {
                <ul class="missing">{state.missing.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
                <a class="remedy" href=href>{tr!("%{page}を開く →", page = page)}</a>
            })}
        </li>
    }
}
