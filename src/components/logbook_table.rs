//! The logbook of a room as it prints: one line per entry, its exit beside it.

use super::ja_date::{JaDateTime, JaTime};
use crate::directory::Directory;
use daicho_core::corrections::CorrectionTrail;
use daicho_core::{wareki, EntryRecord, EventId};
use leptos::prelude::*;
use std::collections::BTreeMap;

/// The corrections of the logbook's lines, by the line's id.
pub type Corrections = RwSignal<BTreeMap<EventId, CorrectionTrail>>;

#[component]
pub fn LogbookTable(rows: RwSignal<Vec<EntryRecord>>, corrections: Corrections) -> impl IntoView {
    view! {
        <table class="logbook">
            <thead>
                <tr>
                    <th scope="col">"入室"</th>
                    <th scope="col">"退室"</th>
                    <th scope="col">"氏名"</th>
                    <th scope="col">"所属"</th>
                    <th scope="col">"目的"</th>
                    <th scope="col">"同行者"</th>
                    <th scope="col">"名札"</th>
                    <th scope="col">"記録者"</th>
                </tr>
            </thead>
            <tbody>
                <For
                    each=move || rows.get()
                    key=|e| (e.id.to_string(), e.exit_event.as_ref().map(ToString::to_string))
                    children=move |entry| {
                        let trail = corrections.with(|c| c.get(&entry.id).cloned()).unwrap_or_default();
                        view! { <LogRow entry trail/> }
                    }
                />
            </tbody>
        </table>
        <Show when=move || rows.with(Vec::is_empty)>
            <p class="empty">"該当する記録はありません。"</p>
        </Show>
    }
}

#[component]
fn LogRow(entry: EntryRecord, trail: CorrectionTrail) -> impl IntoView {
    let exit = entry.exited_at.map(|out| {
        // Same day as the entry: the time is enough; otherwise the whole date.
        if wareki::date_ja(out) == wareki::date_ja(entry.entered_at) {
            view! { <JaTime at=out/> }.into_any()
        } else {
            view! { <JaDateTime at=out/> }.into_any()
        }
    });
    let directory = expect_context::<Directory>();
    let entered_by = directory.name_of(&entry.entered_by);
    let recorded_by = match &entry.exited_by {
        Some(by) if *by != entry.entered_by => format!("{entered_by} / {}", directory.name_of(by)),
        _ => entered_by,
    };
    view! {
        <tr class:open=entry.is_inside() class:void=trail.is_void() data-entry=entry.id.to_string()>
            <td><JaDateTime at=entry.entered_at/></td>
            <td>{exit.unwrap_or_else(|| view! { <span class="inside-mark">"入室中"</span> }.into_any())}</td>
            <td><a href=format!("#/record/{}", entry.id) class="record-link">{entry.name.clone()}</a></td>
            <td>{entry.affiliation.clone()}</td>
            <td>{entry.purpose.clone()} <Corrected trail=trail.clone() field="purpose"/>
                {trail.is_void().then(|| view! { <span class="void-mark">"取消"</span> })}</td>
            <td>{entry.escort_id.as_deref().map(|id| directory.name_of(id))}</td>
            <td>{if entry.name_tag_worn { "着用" } else { "未確認" }}</td>
            <td>{recorded_by}</td>
        </tr>
    }
}

/// The corrected value of `field` beside the original, which stays readable (struck through
/// on paper, here marked).
#[component]
fn Corrected(trail: CorrectionTrail, field: &'static str) -> impl IntoView {
    trail.corrected(field).map(|value| {
        view! { <span class="corrected">"（訂正：" {value.to_string()} "）"</span> }
    })
}
