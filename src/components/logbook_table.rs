//! The logbook of a room as it prints: one line per entry, its exit beside it.

use super::ja_date::{JaDateTime, JaTime};
use super::log_table::LogTable;
use crate::directory::Directory;
use daicho_core::corrections::CorrectionTrail;
use daicho_core::{tr, wareki, EntryRecord};
use leptos::prelude::*;

/// A line of the logbook: an entry (closed by its exit, once recorded) and its corrections.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub entry: EntryRecord,
    pub trail: CorrectionTrail,
}

#[component]
pub fn LogbookTable(#[prop(into)] lines: Signal<Vec<Line>>) -> impl IntoView {
    // A line is drawn again when its exit or a correction is recorded.
    let key = |l: &Line| {
        let exit = l.entry.exit_event.as_ref().map(ToString::to_string);
        (l.entry.id.to_string(), exit, l.trail.corrections.len())
    };
    view! {
        <LogTable
            class="logbook"
            columns=vec![tr!("入室"), tr!("退室"), tr!("氏名"), tr!("所属"), tr!("目的"), tr!("同行者"), tr!("名札"), tr!("記録者")]
            rows=lines
            key
            row=|line: Line| view! { <LogRow entry=line.entry trail=line.trail/> }
            empty=tr!("該当する記録はありません。")
        />
    }
}

#[component]
fn LogRow(entry: EntryRecord, trail: CorrectionTrail) -> impl IntoView {
    let exit = entry.exited_at.map(|out| {
        // Same day as the entry: the time is enough; otherwise the whole date.
        if wareki::date_text(out) == wareki::date_text(entry.entered_at) {
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
            <td>{exit.unwrap_or_else(|| view! { <span class="inside-mark">{tr!("入室中")}</span> }.into_any())}</td>
            <td><a href=format!("#/record/{}", entry.id) class="record-link">{entry.name.clone()}</a></td>
            <td>{entry.affiliation.clone()}</td>
            <td>{entry.purpose.clone()} <Corrected trail=trail.clone() field="purpose"/>
                {trail.is_void().then(|| view! { <span class="void-mark">{tr!("取消")}</span> })}</td>
            <td>{entry.escort_id.as_deref().map(|id| directory.name_of(id))}</td>
            <td>{if entry.name_tag_worn { tr!("着用") } else { tr!("未確認") }}</td>
            <td>{recorded_by}</td>
        </tr>
    }
}

/// The corrected value of `field` beside the original, which stays readable (struck through
/// on paper, here marked).
#[component]
fn Corrected(trail: CorrectionTrail, field: &'static str) -> impl IntoView {
    trail.corrected(field).map(|value| {
        view! { <span class="corrected">{tr!("（訂正：%{value}）", value = value)}</span> }
    })
}
