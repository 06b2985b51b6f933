//! Choosing staff members (not visitors): one in a labelled select, or several as checkboxes.
//! The id is a `String` so rows added on the fly each get their own.

use super::choices::labelled;
use crate::directory::Directory;
use daicho_core::people::PersonDefined;
use daicho_core::sort::sort_by;
use daicho_core::tr;
use leptos::prelude::*;

/// Staff sorted as the town lists them: by section, then name.
fn staff_sorted(directory: Directory) -> Vec<PersonDefined> {
    let mut staff = directory.staff();
    sort_by(&mut staff, |a, b| {
        (&a.affiliation, &a.name).cmp(&(&b.affiliation, &b.name))
    });
    staff
}

/// A person as every select names them: 氏名（所属）.
pub fn person_label(p: &PersonDefined) -> String {
    let (name, affiliation) = (&p.name, &p.affiliation);
    let text = tr!(
        "%{name}（%{affiliation}）",
        name = name,
        affiliation = affiliation
    );
    text.into_owned()
}

/// A labelled select of staff; `value` holds the person id and may be set from outside.
#[component]
pub fn StaffSelect(
    #[prop(into)] id: String,
    /// The field's label (a `tr!` text, or a plain `&'static str`).
    #[prop(into)]
    label: String,
    value: RwSignal<String>,
    /// A class for the select itself, for rows repeated in a form.
    #[prop(optional)]
    class: &'static str,
    /// The field of daicho-core's refusals shown under it.
    #[prop(optional)]
    refusals: Option<daicho_core::Field>,
) -> impl IntoView {
    let directory = expect_context::<Directory>();
    let options = move || {
        staff_sorted(directory)
            .into_iter()
            .map(|p| {
                let text = person_label(&p);
                let id = p.id.clone();
                view! { <option value=p.id prop:selected=move || value.get() == id>{text}</option> }
            })
            .collect_view()
    };
    let described_by = refusals.map(|_| format!("{id}-error"));
    let select = view! {
        <select id=id.clone() class=class aria-describedby=described_by
            on:change=move |ev| value.set(event_target_value(&ev))>
            <option value="" prop:selected=move || value.get().is_empty()>{tr!("選んでください")}</option>
            {options}
        </select>
    };
    labelled(id, label, refusals, select)
}

/// Checkboxes of every staff member under a legend; `chosen` holds the ticked ids.
#[component]
pub fn StaffChecklist(
    id: &'static str,
    /// The legend (a `tr!` text, or a plain `&'static str`).
    #[prop(into)]
    legend: String,
    chosen: RwSignal<Vec<String>>,
) -> impl IntoView {
    let directory = expect_context::<Directory>();
    let toggle = move |person: String, on: bool| {
        chosen.update(|ids| {
            ids.retain(|i| *i != person);
            if on {
                ids.push(person);
            }
        })
    };
    let boxes = move || {
        staff_sorted(directory)
            .into_iter()
            .map(|p| {
                let (checked_id, toggled_id) = (p.id.clone(), p.id.clone());
                view! {
                    <label class="check" data-person=p.name.clone()>
                        <input type="checkbox" value=p.id.clone()
                            prop:checked=move || chosen.with(|c| c.contains(&checked_id))
                            on:change=move |ev| toggle(toggled_id.clone(), event_target_checked(&ev))/>
                        {person_label(&p)}
                    </label>
                }
            })
            .collect_view()
    };
    view! {
        <fieldset id=id class="staff-checklist">
            <legend>{legend}</legend>
            {boxes}
        </fieldset>
    }
}
