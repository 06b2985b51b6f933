//! The English catalogue (issue 17): every text the app or the core shows through `tr!` has
//! its English, with the same `%{parts}`; and no Japanese literal is shown outside `tr!`
//! (a line may keep Japanese on purpose only when it says why: `// ja-only: <why>` at its end
//! or on the line before it).

use daicho_core::lang::{self, Lang};
use regex::Regex;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The app's and the core's sources (not the tests: they assert the Japanese as shown).
fn sources() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    for dir in [root.join("src"), root.join("crates/core/src")] {
        collect(&dir, &mut files);
    }
    assert!(
        files.len() > 50,
        "the sources were not found: {}",
        files.len()
    );
    files
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a source folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") && !is_test_only(&path) {
            files.push(path);
        }
    }
}

/// Files only tests compile: the test town's names are data, not text shown.
fn is_test_only(path: &Path) -> bool {
    path.ends_with("test_town.rs")
}

/// The source's lines that may show text: without its `#[cfg(test)]` module (tests assert the
/// Japanese as written), comments, and regions kept Japanese on purpose (between
/// `// ja-only-begin: <why>` and `// ja-only-end`, e.g. a `message_ja` beside its `message_en`).
fn shown_lines(text: &str) -> Vec<(usize, &str)> {
    let text = text
        .find("#[cfg(test)]\nmod tests")
        .map_or(text, |at| &text[..at]);
    let (mut kept, mut next_kept) = (false, false);
    let mut lines = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        let line_kept = std::mem::take(&mut next_kept);
        if trimmed.starts_with("// ja-only-begin:") {
            kept = true;
        } else if trimmed.starts_with("// ja-only-end") {
            kept = false;
        } else if trimmed.starts_with("// ja-only:") {
            next_kept = true;
        } else if !kept && !line_kept && !trimmed.starts_with("//") && !line.contains("// ja-only:")
        {
            lines.push((n + 1, line));
        }
    }
    lines
}

/// Every `tr!` key in the sources, with the file it is in.
fn keys() -> BTreeSet<(String, String)> {
    let call = Regex::new(r#"tr!\(\s*"((?:[^"\\]|\\.)*)""#).unwrap();
    let mut found = BTreeSet::new();
    for file in sources() {
        let text = std::fs::read_to_string(&file).unwrap();
        // Joined, so a call rustfmt wrapped (`tr!(` on one line, its key on the next) is read.
        let shown: Vec<&str> = shown_lines(&text).into_iter().map(|(_, l)| l).collect();
        for m in call.captures_iter(&shown.join("\n")) {
            let key = m[1].replace("\\\"", "\"").replace("\\n", "\n");
            found.insert((key, file.display().to_string()));
        }
    }
    found
}

fn parts(part: &Regex, text: &str) -> BTreeSet<String> {
    part.captures_iter(text).map(|c| c[1].to_string()).collect()
}

#[test]
fn every_shown_text_has_its_english_with_the_same_parts() {
    let part = Regex::new(r"%\{(\w+)\}").unwrap();
    let mut missing = Vec::new();
    for (key, file) in keys() {
        match lang::english(&key) {
            None => missing.push(format!("{file}: {key}")),
            Some(english) => assert_eq!(
                parts(&part, &key),
                parts(&part, &english),
                "{file}: the parts of {key:?} and {english:?}"
            ),
        }
    }
    assert!(
        missing.is_empty(),
        "{} texts without English:\n{}",
        missing.len(),
        missing.join("\n")
    );
}

#[test]
fn no_japanese_literal_is_shown_outside_tr() {
    let japanese = Regex::new(r#""[^"\n]*[\p{Han}\p{Hiragana}\p{Katakana}][^"\n]*""#).unwrap();
    let mut left = Vec::new();
    for file in sources() {
        let text = std::fs::read_to_string(&file).unwrap();
        let mut before = String::new();
        for (n, line) in shown_lines(&text) {
            for m in japanese.find_iter(line) {
                // What precedes the literal, the previous shown line included (a wrapped call).
                let ahead = format!("{before}{}", &line[..m.start()]);
                if !ahead.trim_end().ends_with("tr!(") {
                    left.push(format!("{}:{n}: {}", file.display(), m.as_str()));
                }
            }
            before = format!("{line}\n");
        }
    }
    assert!(
        left.is_empty(),
        "{} Japanese literals outside tr!:\n{}",
        left.len(),
        left.join("\n")
    );
}

#[test]
fn the_japanese_is_the_text_as_written_and_the_english_the_catalogues() {
    let count = 3;
    let shown = |lang| {
        lang::with(lang, || {
            daicho_core::tr!(
                "⚠ 同期が%{count}回続けて失敗しています（%{since}から）",
                count = count,
                since = "12:00"
            )
            .into_owned()
        })
    };
    assert_eq!(
        shown(Lang::Ja),
        "⚠ 同期が3回続けて失敗しています（12:00から）"
    );
    assert_eq!(
        shown(Lang::En),
        "⚠ Sync has failed 3 times in a row (since 12:00)"
    );
    let missing = lang::with(Lang::En, || {
        daicho_core::tr!("カタログにない文").into_owned()
    });
    assert_eq!(missing, "en.カタログにない文");
}
