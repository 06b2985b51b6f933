//! The way forward from a refusal: where the missing fact is recorded (a term of office, a
//! person, a permission, a key, a room, an 操作者ID), as a link under the refusal.

use daicho_core::{tr, RefusalCode};
use leptos::prelude::*;
use std::borrow::Cow;

/// The page that records what `code` found missing, and what to do there.
pub fn remedy(code: &RefusalCode) -> Option<(&'static str, Cow<'static, str>)> {
    use RefusalCode::*;
    Some(match code {
        NotInRole { .. } | NotKeyHandler { .. } => ("#/positions", tr!("職と役割で任期を記録する")),
        NotStaff | UnknownPerson | KeyKeeperNotStaff => ("#/people", tr!("職員・来訪者に登録する")),
        NotPermitted { .. } | VisitPermitRequired { .. } | EscortNotPermitted { .. } => {
            ("#/permits", tr!("入室許可を記録する"))
        }
        KeyNotHeld { .. } | UnknownKey | KeyInConflict => {
            ("#/keys", tr!("鍵の管理簿で鍵を登録・貸し出す"))
        }
        UnknownRoom => ("#/rooms", tr!("室・鍵で室を登録する")),
        NoOperatorId { .. } => ("#/id-ledgers", tr!("ID管理簿で操作者IDを記録する")),
        _ => return None,
    })
}

/// A link to each remedy of `codes`, once each.
#[component]
pub fn RemedyLinks(codes: Vec<RefusalCode>) -> impl IntoView {
    let mut links: Vec<(&str, Cow<'static, str>)> = codes.iter().filter_map(remedy).collect();
    links.dedup();
    links
        .into_iter()
        .map(|(href, label)| view! { <a class="remedy" href=href>{label}" →"</a> })
        .collect_view()
}
