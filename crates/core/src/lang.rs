//! The language a person reads the app in: Japanese (the default, as the regulation is
//! written) or English beside it (issue 17). Every text a person reads is written in the code
//! in Japanese, inside [`tr!`]; its English lives in the catalogue under `locales/` (one YAML
//! file per area, keyed by the Japanese text, loaded at compile time by `rust-i18n`).
//!
//! The language is per thread: the browser has one, and the endpoint's threads and the tests
//! stay Japanese unless they choose otherwise.

use std::borrow::Cow;
use std::cell::Cell;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Ja,
    En,
}

impl Lang {
    /// The BCP 47 code, for `<html lang>` and the device's setting.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        match code {
            "ja" => Some(Lang::Ja),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

thread_local! {
    static CURRENT: Cell<Lang> = const { Cell::new(Lang::Ja) };
}

pub fn current() -> Lang {
    CURRENT.with(Cell::get)
}

pub fn set(lang: Lang) {
    CURRENT.with(|c| c.set(lang));
}

pub fn is_english() -> bool {
    current() == Lang::En
}

/// Runs `f` with `lang` chosen, then restores the language before it (for tests and exports).
pub fn with<T>(lang: Lang, f: impl FnOnce() -> T) -> T {
    let before = current();
    set(lang);
    let out = f();
    set(before);
    out
}

/// `ja` or `en`, whichever the reader's language calls for (only that one is made).
pub fn pick<T>(ja: impl FnOnce() -> T, en: impl FnOnce() -> T) -> T {
    if is_english() {
        en()
    } else {
        ja()
    }
}

/// The Japanese text with its `%{name}` parts filled in.
pub fn fill(text: &'static str, names: &[&str], values: &[String]) -> Cow<'static, str> {
    if names.is_empty() {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(rust_i18n::replace_patterns(text, names, values))
    }
}

/// The English of `key`, if the catalogue has it.
pub fn english(key: &str) -> Option<Cow<'static, str>> {
    crate::_rust_i18n_try_translate("en", key)
}

/// The text in the language chosen: `tr!("入室を記録")`, or with parts
/// `tr!("%{name}さんの退室を記録", name = person)`. Japanese is the text as written; English
/// is the catalogue's, and a key missing there shows as `en.<key>` so a test finds it.
#[macro_export]
macro_rules! tr {
    ($key:literal $(,)?) => {
        $crate::lang::text($key)
    };
    ($key:literal $(, $name:ident = $value:expr)+ $(,)?) => {
        $crate::lang::text_filled(
            $key,
            &[$(stringify!($name)),+],
            &[$(::std::string::ToString::to_string(&$value)),+],
        )
    };
}

/// `tr!` of a text without parts. (One call per use, the language chosen inside: each of the
/// 1,400 uses expanding both languages' calls cost the wasm 92 KB raw, 12 KB brotli.)
pub fn text(key: &'static str) -> Cow<'static, str> {
    text_filled(key, &[], &[])
}

/// `tr!` of a text with its `%{name}` parts.
pub fn text_filled(key: &'static str, names: &[&str], values: &[String]) -> Cow<'static, str> {
    if is_english() {
        english_filled(key, names, values)
    } else {
        fill(key, names, values)
    }
}

/// The English of `key` with its parts filled in; `en.<key>` when the catalogue lacks it.
pub fn english_filled(key: &'static str, names: &[&str], values: &[String]) -> Cow<'static, str> {
    match english(key) {
        Some(text) if names.is_empty() => text,
        Some(text) => Cow::Owned(rust_i18n::replace_patterns(&text, names, values)),
        None => Cow::Owned(format!("en.{key}")),
    }
}
