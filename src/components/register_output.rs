//! A register taken out of the screen: as CSV (UTF-8 with a BOM, headers in the reader's
//! language, names not ids) and printed on A4 (its title, what it covers, the town, the day
//! printed and page numbers), each recorded in the operation history (第12条) as who took what
//! out.

use crate::auth::session::Session;
use crate::state::{local_action, use_store};
use chrono::Utc;
use daicho_core::csv::table_bytes;
use daicho_core::history::{output_name_text, Exported, Printed};
use daicho_core::{lang, tr, wareki, EventKind};
use futures::future::LocalBoxFuture;
use leptos::prelude::*;
use std::borrow::Cow;
use std::rc::Rc;
use wasm_bindgen::JsCast;

/// Reads every line of a register that pages its screen (the entry logbook): what the CSV
/// holds instead of the page shown.
#[derive(Clone)]
pub struct ReadAll(pub Rc<dyn Fn() -> LocalBoxFuture<'static, Rows>>);

/// A register's lines as CSV cells, or why they could not be read.
pub type Rows = Result<Vec<Vec<String>>, String>;

/// The town whose registers these are (the regulation's own).
fn town() -> Cow<'static, str> {
    tr!("湧別町")
}

/// A register's CSV column headings in the reader's language: `tr!` texts (an array or a
/// `Vec`), or plain `&'static str`.
#[derive(Clone)]
pub struct CsvHeader(Rc<[String]>);

impl<C: Into<Cow<'static, str>>> From<Vec<C>> for CsvHeader {
    fn from(cells: Vec<C>) -> Self {
        CsvHeader(cells.into_iter().map(|c| c.into().into_owned()).collect())
    }
}

impl<C: Into<Cow<'static, str>>, const N: usize> From<[C; N]> for CsvHeader {
    fn from(cells: [C; N]) -> Self {
        Vec::from(cells).into()
    }
}

impl<const N: usize> From<&'static [&'static str; N]> for CsvHeader {
    fn from(cells: &'static [&'static str; N]) -> Self {
        cells.to_vec().into()
    }
}

impl From<&'static [&'static str]> for CsvHeader {
    fn from(cells: &'static [&'static str]) -> Self {
        cells.to_vec().into()
    }
}

/// The CSV and print buttons of one register, and the heading its printout carries. `rows`
/// are the register's lines as a person reads them, in the order shown, under `header`.
#[component]
pub fn RegisterOutput(
    /// Recorded in the history: `"people"`, `"rooms"`, ….
    what: &'static str,
    #[prop(into)] header: CsvHeader,
    #[prop(into)] rows: Signal<Vec<Vec<String>>>,
    /// What the rows cover, in words: a month, a filter, or “all”.
    #[prop(into)]
    covers: Signal<String>,
    /// For a register shown a page at a time: every line the filter covers, for the CSV.
    #[prop(optional)]
    read_all: Option<ReadAll>,
) -> impl IntoView {
    let (store, session) = (use_store(), expect_context::<Session>());
    // The register's name: the printout's title, the file's name, 操作履歴's wording.
    let title = output_name_text(what).to_string();
    let export = {
        let (store, title) = (store.clone(), title.clone());
        local_action(move |_: &()| {
            let (shown, covers) = (rows.get_untracked(), covers.get_untracked());
            let (store, operator) = (store.clone(), session.operator_id());
            let (read_all, header, title) = (read_all.clone(), header.clone(), title.clone());
            async move {
                let rows = match read_all {
                    Some(ReadAll(read)) => read().await?,
                    None => shown,
                };
                let day = wareki::to_jst(Utc::now()).format("%Y%m%d");
                // The register's title in Japanese; its code in English (a title such as
                // "Entry/exit logbook (入退室管理簿)" is no file name).
                let stem = if lang::is_english() {
                    what.to_string()
                } else {
                    title
                };
                let name = format!("{stem}_{day}.csv");
                let header: Vec<&str> = header.0.iter().map(String::as_str).collect();
                download(&table_bytes(&header, &rows), &name)?;
                let kind = EventKind::Exported(Exported {
                    what: what.into(),
                    rows: rows.len() as u32,
                    filter: covers,
                });
                if let Err(e) = store.record_act(kind, &operator, Utc::now()).await {
                    let said = tr!(
                        "書き出しましたが、操作履歴に記録できませんでした（%{e}）。",
                        e = e
                    );
                    return Err(said.into_owned());
                }
                let n = rows.len();
                let done = tr!(
                    "%{n}件をCSVで書き出しました（%{name}）。",
                    n = n,
                    name = name
                );
                Ok::<_, String>(done.into_owned())
            }
        })
    };
    let print = local_action(move |_: &()| {
        let kind = EventKind::Printed(Printed {
            what: what.into(),
            period: covers.get_untracked(),
        });
        let (store, operator) = (store.clone(), session.operator_id());
        async move {
            // The print is history (第12条); the register prints even if recording it fails.
            let _ = store.record_act(kind, &operator, Utc::now()).await;
            print_only_this_register(what);
        }
    });
    let said = move || export.value().get();
    view! {
        <div class="register-output no-print" data-what=what>
            <button type="button" id=format!("{what}-csv") class="button"
                disabled=move || export.pending().get() on:click=move |_| { export.dispatch(()); }>
                {tr!("CSVで書き出す")}
            </button>
            <button type="button" id=format!("{what}-print") class="button"
                on:click=move |_| { print.dispatch(()); }>
                {tr!("印刷（A4）")}
            </button>
            {move || said().map(|said| match said {
                Ok(done) => view! { <p class="status" role="status">{done}</p> }.into_any(),
                Err(e) => view! { <p class="form-error" role="alert">{e}</p> }.into_any(),
            })}
        </div>
        <header class="print-heading print-only" data-what=what>
            <p class="print-title">{title}</p>
            <p class="print-covers">
                {move || tr!("%{covers}　%{town}　印刷 %{day}", covers = covers.get(), town = town(), day = wareki::date_text(Utc::now()))}
            </p>
        </header>
    }
}

/// Prints the page with only the card of the register `what` (the print stylesheet hides the
/// rest while `data-printing` is set), and puts the page back after.
pub fn print_only_this_register(what: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    // The cells are marked by the `beforeprint` listener (`mark_before_every_print`).
    let root = window.document().and_then(|d| d.document_element());
    if let Some(root) = &root {
        let _ = root.set_attribute("data-printing", what);
    }
    let _ = window.print();
    if let Some(root) = &root {
        let _ = root.remove_attribute("data-printing");
    }
}

/// Marks the cells whenever the browser is about to print, from a print button or Ctrl+P
/// alike: the one place they are measured. Installed once, at start.
pub fn mark_before_every_print() {
    let Some(window) = web_sys::window() else {
        return;
    };
    gloo::events::EventListener::new(&window, "beforeprint", |_| {
        if let Some(document) = web_sys::window().and_then(|w| w.document()) {
            mark_short_cells(&document);
        }
    })
    .forget();
}

/// The longest value kept on one line on paper: a name, a 和暦 date, a room, a label.
const UNBROKEN_CHARS: usize = 11;

/// What a cell holds that paper does not show: buttons, bare record links, hidden labels.
const NOT_PRINTED: &str = "button, .record-link.bare, .visually-hidden, .no-print";

/// Marks each table cell whose value is short (`unbroken`: never wrapped on paper) or made of
/// short parts (`in-parts`: wrapped only between them, a date and its time), so the print
/// stylesheet breaks no name or date mid-word while long text still wraps. CSS cannot see
/// a cell's length, so it is measured here, just before printing.
fn mark_short_cells(document: &web_sys::Document) {
    use wasm_bindgen::JsCast;
    let Ok(cells) = document.query_selector_all("main td, main th") else {
        return;
    };
    for i in 0..cells.length() {
        let Some(cell) = cells
            .item(i)
            .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
        else {
            continue;
        };
        let fit = fit(&printed_text(&cell));
        let classes = cell.class_list();
        let _ = classes.toggle_with_force(UNBROKEN, fit == UNBROKEN);
        let _ = classes.toggle_with_force(IN_PARTS, fit == IN_PARTS);
    }
}

const UNBROKEN: &str = "unbroken";
const IN_PARTS: &str = "in-parts";

/// How a table cell of `text` may wrap, as its class: `unbroken` when short (a name, a 和暦
/// date), `in-parts` when made of short parts (wrapped only between them: a date and its time,
/// a period), otherwise none (long text wraps anywhere). The print marks every cell by it; a
/// page may give its cells the class on screen too.
pub fn fit(text: &str) -> &'static str {
    let short = |t: &str| t.chars().count() <= UNBROKEN_CHARS;
    // Parts: between spaces, and after a 〜 or 、 (a period, a list), where a line may end.
    let mut parts = text.split(|c: char| c.is_whitespace() || c == '〜' || c == '、');
    if short(text.trim()) {
        UNBROKEN
    } else if parts.all(short) {
        IN_PARTS
    } else {
        ""
    }
}

/// The text of `cell` as printed: without what `NOT_PRINTED` names.
fn printed_text(cell: &web_sys::Element) -> String {
    use wasm_bindgen::JsCast;
    let mut text = cell.text_content().unwrap_or_default();
    if let Ok(hidden) = cell.query_selector_all(NOT_PRINTED) {
        for i in 0..hidden.length() {
            let part = hidden
                .item(i)
                .and_then(|n| n.dyn_into::<web_sys::Element>().ok());
            if let Some(part) = part.and_then(|p| p.text_content()) {
                text = text.replacen(&part, "", 1);
            }
        }
    }
    text
}

/// Offers `bytes` as a CSV file download through a Blob link.
pub fn download(bytes: &[u8], name: &str) -> Result<(), String> {
    let fail = |e: wasm_bindgen::JsValue| {
        tr!("書き出しに失敗しました（%{e}）。", e = format!("{e:?}")).into_owned()
    };
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/csv;charset=utf-8");
    let blob =
        web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(fail)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(fail)?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| tr!("document がありません").into_owned())?;
    let link: web_sys::HtmlAnchorElement =
        document.create_element("a").map_err(fail)?.unchecked_into();
    link.set_href(&url);
    link.set_download(name);
    link.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}
