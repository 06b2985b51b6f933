//! ホーム: who is inside each room now and which keys are out (overdue first), and the two
//! daily tasks one tap away.

use crate::components::ja_date::{JaDateTime, JaTime};
use crate::directory::Directory;
use crate::store::Store;
use chrono::Utc;
use daicho_core::key_log::{KeyDefined, KeyLoan};
use daicho_core::{EntryRecord, Room};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::rc::Rc;

#[derive(Clone, Default)]
struct Overview {
    inside: Vec<(Room, Vec<EntryRecord>)>,
    keys: Vec<KeyDefined>,
    out: Vec<KeyLoan>,
}

async fn load(store: &Store) -> crate::store::Result<Overview> {
    let mut inside = Vec::new();
    for room in store.rooms().await? {
        let people = store.inside(&room.id).await?;
        inside.push((room, people));
    }
    let mut out = store.keys_out().await?;
    let now = Utc::now();
    out.sort_by_key(|l| (!l.is_overdue(now), l.due_back));
    Ok(Overview {
        inside,
        keys: store.keys().await?,
        out,
    })
}

#[component]
pub fn HomePage(
    store: StoredValue<Rc<Store>, LocalStorage>,
    /// Opens the entry/exit logbook.
    on_entry_log: Callback<()>,
    /// Opens the key logbook.
    on_keys: Callback<()>,
) -> impl IntoView {
    let directory = expect_context::<Directory>();
    let overview = RwSignal::new_local(None::<Overview>);
    spawn_local(async move {
        if let Ok(o) = load(&store.get_value()).await {
            overview.set(Some(o));
        }
    });
    let key_label = move |id: &str| {
        overview.with(|o| {
            o.as_ref()
                .and_then(|o| o.keys.iter().find(|k| k.id == id).map(|k| k.label.clone()))
                .unwrap_or_else(|| id.to_string())
        })
    };
    view! {
        <div class="home" data-ready=move || overview.with(Option::is_some).then_some("true")>
            <div class="quick">
                <button type="button" id="go-entry-log" class="button primary big" on:click=move |_| on_entry_log.run(())>
                    "入退室を記録"
                </button>
                <button type="button" id="go-keys" class="button primary big" on:click=move |_| on_keys.run(())>
                    "鍵の貸出・返却"
                </button>
            </div>
            <section class="card wide home-inside">
                <h2>"入室中"</h2>
                {move || overview.get().map(|o| o.inside.into_iter().map(|(room, people)| view! {
                    <div class="home-room" data-room=room.id.clone()>
                        <h3>{format!("{}（レベル{}） {}人", room.name, room.level.number(), people.len())}</h3>
                        <ul>
                            {people.into_iter().map(|e| view! {
                                <li>{e.name.clone()} " " <small>{e.affiliation.clone()}</small> " 入室 " <JaTime at=e.entered_at/></li>
                            }).collect_view()}
                        </ul>
                    </div>
                }).collect_view())}
            </section>
            <section class="card wide home-keys">
                <h2>"貸出中の鍵"</h2>
                {move || overview.get().map(|o| {
                    if o.out.is_empty() {
                        return view! { <p class="empty">"貸出中の鍵はありません。"</p> }.into_any();
                    }
                    let now = Utc::now();
                    view! {
                        <ul>
                            {o.out.into_iter().map(|loan| {
                                let overdue = loan.is_overdue(now);
                                view! {
                                    <li class:overdue=overdue>
                                        <strong>{key_label(&loan.key_id)}</strong> " — "
                                        {directory.name_of(&loan.person_id)} " ・ 返却予定 " <JaDateTime at=loan.due_back/>
                                        {overdue.then(|| view! { <span class="overdue-mark">"返却予定を過ぎています"</span> })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                })}
            </section>
        </div>
    }
}
