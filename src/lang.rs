//! The language of this device's screens, prints and CSV files: Japanese by default, English
//! beside it (issue 17). Chosen on every screen (the header's switch), remembered per device in
//! local storage, and applied before the app mounts; a change reloads the page, which keeps the
//! signed-in session and the page shown.

use daicho_core::lang::{self, Lang};
use daicho_core::tr;
use leptos::prelude::*;

const KEY: &str = "daicho.lang";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The device's language as last chosen (Japanese when never chosen).
pub fn remembered() -> Lang {
    storage()
        .and_then(|s| s.get_item(KEY).ok().flatten())
        .and_then(|code| Lang::from_code(&code))
        .unwrap_or_default()
}

/// Applies the remembered language: texts, and `<html lang>` for screen readers and fonts.
pub fn apply_remembered() {
    let chosen = remembered();
    lang::set(chosen);
    let document = gloo::utils::document();
    if let Some(root) = document.document_element() {
        let _ = root.set_attribute("lang", chosen.code());
    }
    if chosen == Lang::En {
        document.set_title(&tr!("台帳 — 入退室管理簿"));
    }
}

fn choose(chosen: Lang) {
    if let Some(storage) = storage() {
        let _ = storage.set_item(KEY, chosen.code());
    }
    let _ = gloo::utils::window().location().reload();
}

/// The switch to the other language, named in that language so its reader finds it.
#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let other = match lang::current() {
        Lang::Ja => Lang::En,
        Lang::En => Lang::Ja,
    };
    let (label, hint) = match other {
        Lang::En => ("English", tr!("表示言語を英語に切り替える")),
        // ja-only: the switch to Japanese is named in Japanese, for its reader.
        Lang::Ja => ("日本語", tr!("表示言語を日本語に切り替える")),
    };
    view! {
        <button type="button" class="language-switch no-print" lang=other.code() title=hint.clone()
            aria-label=format!("{label} — {hint}") on:click=move |_| choose(other)>
            {label}
        </button>
    }
}
