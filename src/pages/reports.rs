//! 報告（第20条）: the entry manager's report on each of their rooms for a period (monthly
//! unless the general manager set another cycle) — generated from the registers, reviewed,
//! remarked on and submitted (a correction is a new version) — and, for the general manager,
//! which rooms' reports for the last period are in and which are missing. The rules are
//! daicho-core's `reports`.

use crate::auth::session::Session;
use crate::components::ja_day::{ja_day, today};
use crate::components::log_table::LogTable;
use crate::components::record_form::{record, said};
use crate::components::register_output::{fit, RegisterOutput};
use crate::components::shown::Shown;
use crate::components::staff_choice::StaffSelect;
use crate::directory::Directory;
use crate::pages::room_measures::measures_on;
use crate::state::{follow_store, local_action, use_store};
use crate::store::paging::LogQuery;
use crate::store::Store;
use chrono::{NaiveDate, Utc};
use daicho_core::history::date_start_ms;
use daicho_core::key_log::KeyLoan;
use daicho_core::reports::{
    cycle_on, figures, last_period, missing, period_on, Investigation, InvestigationConcluded,
    PeriodFacts, Report, ReportCycle, ReportCycleSet, ReportFigures, ReportReviewed, ReportState,
    ReportSubmitted,
};
use daicho_core::room_permit::entry_manager_role;
use daicho_core::rule_breaks::{handled_text, RuleBreak};
use daicho_core::sort::sort_by;
use daicho_core::EventId;
use daicho_core::{tr, wareki, EventKind, Registers, Room};
use leptos::prelude::*;
use std::borrow::Cow;

/// The most lines a period's report reads: a busy counter's year several times over.
const PERIOD_LINES: u32 = 50_000;

/// How many periods the draft offers: the current one and those before it.
const PERIODS_OFFERED: usize = 24;

/// The periods a report may be drafted for, newest first: the current one (generated to look
/// at, refused if submitted) and the ones before it, under the cycles in force then.
fn periods_offered(cycles: &[ReportCycleSet], today: NaiveDate) -> Vec<(NaiveDate, NaiveDate)> {
    let mut periods = vec![period_on(cycles, today)];
    while periods.len() < PERIODS_OFFERED {
        let before = periods[periods.len() - 1].0.pred_opt();
        let Some(before) = before else { break };
        periods.push(period_on(cycles, before));
    }
    periods
}

/// The period starting on `value` (`YYYY-MM-DD`), under the cycles.
fn period_value(cycles: &[ReportCycleSet], value: &str) -> Option<(NaiveDate, NaiveDate)> {
    let from = NaiveDate::parse_from_str(value, "%Y-%m-%d").ok()?;
    Some(period_on(cycles, from)).filter(|p| p.0 == from)
}

/// The report cycles recorded (monthly when none are).
fn cycles_of(registers: &Option<Registers>) -> Vec<ReportCycleSet> {
    registers
        .as_ref()
        .map(|r| r.office().report_cycles.clone())
        .unwrap_or_default()
}

/// "令和8年11月1日〜令和8年11月30日".
fn period_text(from: NaiveDate, to: NaiveDate) -> String {
    tr!("%{from}〜%{to}", from = ja_day(from), to = ja_day(to)).into_owned()
}

/// The report's figures for `room` over `from`..=`to`, read through the store's indexes: the
/// room's lines and key loans of the period, its rule breaks, corrections and measures.
async fn generate(
    store: &Store,
    registers: &Registers,
    room: &Room,
    (from, to): (NaiveDate, NaiveDate),
    directory: Directory,
) -> crate::store::Result<ReportFigures> {
    let range = LogQuery {
        prefix: Vec::new(),
        from_ms: Some(date_start_ms(from)),
        until_ms: Some(date_start_ms(to + chrono::Days::new(1))),
        newest_first: false,
        limit: PERIOD_LINES,
        after: None,
    };
    let lines = store.entry_page(Some(&room.id), None, &range).await?.rows;
    let room_keys: Vec<String> = registers
        .keys()
        .filter(|k| k.room_id == room.id)
        .map(|k| k.id.clone())
        .collect();
    let loans = store.loan_page(None, &range).await?.rows;
    let loans: Vec<_> = loans
        .into_iter()
        .filter(|l| room_keys.contains(&l.key_id))
        .collect();
    let in_period = |at: chrono::DateTime<Utc>| {
        let day = wareki::to_jst(at).date_naive();
        from <= day && day <= to
    };
    let office = registers.office();
    let breaks: Vec<_> = store
        .rule_breaks()
        .await?
        .into_iter()
        .filter(|b| b.room_id == room.id && in_period(b.at))
        .map(|b| {
            let said = b.message(&directory.name_of(&b.person_id), &room.name);
            let handled = handled_text(&office.handlings_of(&b.record), |id| directory.name_of(id));
            let at = wareki::datetime_text(b.at);
            let said = tr!(
                "%{at} %{said}【処置】%{handled}",
                at = at,
                said = said,
                handled = handled
            );
            let said = said.into_owned();
            (b, said)
        })
        .collect();
    let corrected = lines
        .iter()
        .filter(|l| registers.corrections_of(&l.id).is_some())
        .count() as u32;
    let is_visitor = |id: &str| {
        directory
            .0
            .with_untracked(|m| m.get(id).is_some_and(|p| !p.is_staff()))
    };
    let facts = PeriodFacts {
        lines: &lines,
        loans: &loans,
        breaks: &breaks,
        corrected,
        measures: measures_on(&registers.entry_measures(), room, to, directory),
        is_visitor: &is_visitor,
    };
    Ok(figures(&facts, Utc::now()))
}

/// What the page reads: the registers (reports, reviews, instructions), and for the general
/// manager's glance the rule breaks and the keys out.
#[derive(Clone, PartialEq)]
struct Read {
    registers: Registers,
    breaks: Vec<RuleBreak>,
    keys_out: Vec<KeyLoan>,
}

#[component]
pub fn ReportsPage() -> impl IntoView {
    let read = follow_store(move |store| async move {
        let (registers, breaks, keys_out) =
            futures::try_join!(store.registers(), store.rule_breaks(), store.keys_out())
                .map_err(|e| e.to_string())?;
        Ok::<_, String>(Read {
            registers,
            breaks,
            keys_out,
        })
    });
    let loaded = Memo::new(move |_| read.get().and_then(Result::ok));
    let registers = Memo::new(move |_| loaded.with(|l| l.as_ref().map(|l| l.registers.clone())));
    let review_target = RwSignal::new(String::new());
    view! {
        <div class="reports-page" data-ready=move || read.is_read().then_some("true")>
            {move || read.get().and_then(Result::err).map(|e| view! {
                <p class="form-error" role="alert">{tr!("報告を読めませんでした。")} {e}</p>
            })}
            <Glance loaded/>
            <ReportStatus registers/>
            <CycleForm registers/>
            <DraftReport registers/>
            <ReportList registers review_target/>
            <ReviewForm registers target=review_target/>
            <ConcludeForm registers/>
        </div>
    }
}

/// One line of the glance: its key, what it counts, how many, where to look.
type GlanceLine = (&'static str, String, usize, &'static str);

/// What the general manager's glance counts, from what the page read.
fn glance_lines(l: &Read) -> Vec<GlanceLine> {
    let office = l.registers.office();
    let (from, to) = last_period(&office.report_cycles, today());
    let rooms = rooms_of(&l.registers);
    let missing = missing(&rooms, &reports_of(&l.registers), from, to).len();
    let states: Vec<ReportState> = office
        .current_reports()
        .iter()
        .map(|r| office.report_state(&r.id))
        .collect();
    let count = |s: ReportState| states.iter().filter(|x| **x == s).count();
    let now = Utc::now();
    // Open: no handling recorded yet.
    let aged = |days: std::ops::RangeInclusive<i64>| {
        l.breaks
            .iter()
            .filter(|b| office.handlings_of(&b.record).is_empty())
            .filter(|b| days.contains(&(now - b.at).num_days()))
            .count()
    };
    let overdue_keys = l.keys_out.iter().filter(|k| k.is_overdue(now)).count();
    let past_due = office
        .instructions
        .values()
        .filter(|i| i.is_overdue(today()))
        .count();
    let period = period_text(from, to);
    let last = tr!("前の期間（%{period}）の報告の未提出", period = period);
    vec![
        ("missing", last.into_owned(), missing, "#/reports"),
        (
            "unreviewed",
            tr!("未確認の報告").into(),
            count(ReportState::Unreviewed),
            "#/reports",
        ),
        (
            "investigating",
            tr!("調査中").into(),
            count(ReportState::Investigating),
            "#/reports",
        ),
        (
            "breaks-week",
            tr!("未処置の例外（7日以内）").into(),
            aged(0..=7),
            "#/exceptions",
        ),
        (
            "breaks-month",
            tr!("未処置の例外（8〜30日）").into(),
            aged(8..=30),
            "#/exceptions",
        ),
        (
            "breaks-older",
            tr!("未処置の例外（31日以上）").into(),
            aged(31..=i64::MAX),
            "#/exceptions",
        ),
        (
            "overdue-keys",
            tr!("返却予定を過ぎた鍵").into(),
            overdue_keys,
            "#/keys",
        ),
        (
            "past-due",
            tr!("期限を過ぎた指示").into(),
            past_due,
            "#/instructions",
        ),
    ]
}

/// For the general manager, at a glance (第20条): the last period's missing reports, reports
/// not yet reviewed, open investigations, exceptions not handled by age, keys overdue,
/// instructions past due.
#[component]
fn Glance(loaded: Memo<Option<Read>>) -> impl IntoView {
    let lines = move || loaded.with(|l| l.as_ref().map(glance_lines).unwrap_or_default());
    view! {
        <section class="card wide glance">
            <h2>{tr!("総括責任者の確認（第20条）")}</h2>
            <ul class="glance-list">
                {move || lines().into_iter().map(|(key, label, n, href)| view! {
                    <li class="glance-item" class:attention={n > 0} data-glance=key data-count=n>
                        <a href=href><span class="glance-count">{n}</span>" " {label}</a>
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
}

/// How often reports are due (第20条 leaves it to the general manager): the cycle in force,
/// and a new one from the start of a period.
#[component]
fn CycleForm(registers: Memo<Option<Registers>>) -> impl IntoView {
    let (store, session) = (use_store(), expect_context::<Session>());
    let cycles = Memo::new(move |_| registers.with(cycles_of));
    let cycle = RwSignal::new(ReportCycle::Quarterly.code().to_string());
    // The day the current period ends, and the next starts.
    let next_start = move || {
        let (_, to) = cycles.with(|c| period_on(c, today()));
        to.succ_opt().unwrap_or(to).to_string()
    };
    let from = RwSignal::new(String::new());
    let set = local_action(move |_: &()| {
        let (store, operator) = (store.clone(), session.operator_id());
        let chosen = ReportCycle::from_code(&cycle.get_untracked());
        let day = crate::components::ja_day::parse_day(&from.get_untracked())
            .or_else(|| crate::components::ja_day::parse_day(&next_start()));
        async move {
            let (Some(cycle), Some(from)) = (chosen, day) else {
                return Err(tr!("周期と開始日を選んでください。").into_owned());
            };
            let (day, name) = (ja_day(from), cycle.name_text());
            let done = tr!(
                "報告の周期を%{day}から「%{cycle}」にしました。",
                day = day,
                cycle = name
            );
            let done = done.into_owned();
            let kind = EventKind::ReportCycleSet(ReportCycleSet { cycle, from });
            record(&store, &operator, kind, done).await
        }
    });
    let in_force = move || {
        let today = today();
        cycles.with(|c| {
            let since = c.iter().filter(|s| s.from <= today).map(|s| s.from).max();
            let since = since
                .map(|d| tr!("（%{day}から）", day = ja_day(d)).into_owned())
                .unwrap_or_default();
            format!("{}{since}", cycle_on(c, today).name_text())
        })
    };
    // Set for a later day: each day a new cycle begins, and the cycle then.
    let upcoming = move || {
        let today = today();
        cycles.with(|c| {
            let mut days: Vec<NaiveDate> =
                c.iter().map(|s| s.from).filter(|d| *d > today).collect();
            days.sort_unstable();
            days.dedup();
            days.into_iter()
                .map(|d| (d, cycle_on(c, d)))
                .collect::<Vec<_>>()
        })
    };
    view! {
        <section class="card wide report-cycle">
            <h2>{tr!("報告の周期（セキュリティ総括責任者）")}</h2>
            <p class="hint">{tr!("第20条は報告の時期を定めていません。総括責任者が定めるまでは毎月です。期間は年度（4月1日）から数え、周期は期間の区切りの日から変えられます。")}</p>
            <p class="cycle-in-force" data-cycle=move || cycles.with(|c| cycle_on(c, today()).code())>{tr!("現在の周期：")} {in_force}</p>
            {move || upcoming().into_iter().map(|(from, cycle)| view! {
                <p class="cycle-upcoming" data-cycle=cycle.code() data-from=from.to_string()>
                    {tr!("%{day}から：%{cycle}", day = ja_day(from), cycle = cycle.name_text())}
                </p>
            }).collect_view()}
            <div class="filters">
                <div class="field">
                    <label for="report-cycle">{tr!("新しい周期")}</label>
                    <select id="report-cycle" on:change=move |ev| cycle.set(event_target_value(&ev))>
                        {ReportCycle::ALL.into_iter().map(|c| view! {
                            <option value=c.code() selected=move || cycle.get() == c.code()>{c.name_text()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="report-cycle-from">{tr!("開始日")}</label>
                    <input type="date" id="report-cycle-from" prop:value=move || { let f = from.get(); if f.is_empty() { next_start() } else { f } }
                        on:input=move |ev| from.set(event_target_value(&ev))/>
                </div>
                <button type="button" id="report-cycle-set" class="button" disabled=move || set.pending().get()
                    on:click=move |_| { set.dispatch(()); }>{tr!("周期を定める")}</button>
            </div>
            {move || set.value().get().map(said)}
        </section>
    }
}

/// The rooms, most secure first.
fn rooms_of(registers: &Registers) -> Vec<Room> {
    let mut rooms: Vec<Room> = registers.rooms().cloned().collect();
    sort_by(&mut rooms, daicho_core::room::most_secure_first);
    rooms
}

/// Every report submitted, each version.
fn reports_of(registers: &Registers) -> Vec<Report> {
    registers.office().reports.values().cloned().collect()
}

/// For the general manager: each room's report for the last period, in or missing (第20条).
#[component]
fn ReportStatus(registers: Memo<Option<Registers>>) -> impl IntoView {
    let directory = expect_context::<Directory>();
    let period = Memo::new(move |_| registers.with(|r| last_period(&cycles_of(r), today())));
    let lines = Signal::derive(move || {
        registers.with(|r| {
            let Some(r) = r else { return Vec::new() };
            let day = today();
            let (from, to) = period.get();
            rooms_of(r)
                .into_iter()
                .map(|room| {
                    let manager = r
                        .organisation()
                        .who_held(entry_manager_role(room.level), day);
                    let latest = r.office().latest_report(&room.id, from, to).cloned();
                    let missing = latest.is_none();
                    let state = match latest {
                        Some(report) => submitted_text(&report, &directory),
                        None => tr!("未提出").into_owned(),
                    };
                    let role = entry_manager_role(room.level).name_text();
                    let holder = manager
                        .map_or_else(|| tr!("未登録").into_owned(), |m| directory.name_of(m));
                    let manager = tr!("%{role}（%{holder}）", role = role, holder = holder);
                    let manager = manager.into_owned();
                    (room, manager, state, missing)
                })
                .collect::<Vec<_>>()
        })
    });
    let key = |l: &(Room, String, String, bool)| (l.0.id.clone(), l.2.clone());
    let row = |(room, manager, state, missing): (Room, String, String, bool)| {
        view! {
            <tr class="report-state" class:missing=missing data-room=room.id.clone()>
                <td>{room.name.clone()}</td>
                <td>{manager}</td>
                <td class="state">
                    {missing.then(|| view! { <span class="missing-mark">{tr!("未提出")}</span> })}
                    {(!missing).then(|| state.clone())}
                </td>
            </tr>
        }
    };
    view! {
        <section class="card wide report-status">
            <h2>{move || { let (from, to) = period.get(); tr!("入退室管理者の報告の状況（%{period}）", period = period_text(from, to)) }}</h2>
            <p class="hint">{tr!("セキュリティ総括責任者は、各室の入退室管理者から報告を受けます（第20条）。未提出の室が一目で分かります。")}</p>
            <LogTable class="register report-states" columns=vec![tr!("室"), tr!("入退室管理者"), tr!("状況")]
                rows=lines key row empty=tr!("室が登録されていません。")/>
        </section>
    }
}

/// "提出済み（令和8年12月1日・山田 太郎）".
fn submitted_text(report: &Report, directory: &Directory) -> String {
    let day = ja_day(report.submitted.submitted_on);
    let by = directory.name_of(&report.submitted.submitted_by);
    tr!("提出済み（%{day}・%{by}）", day = day, by = by).into_owned()
}

/// The entry manager's report: choose the room and period, generate, review, remark, submit.
#[component]
fn DraftReport(registers: Memo<Option<Registers>>) -> impl IntoView {
    let (store, session) = (use_store(), expect_context::<Session>());
    let directory = expect_context::<Directory>();
    let room_id = RwSignal::new(String::new());
    let cycles = Memo::new(move |_| registers.with(cycles_of));
    let periods = Memo::new(move |_| cycles.with(|c| periods_offered(c, today())));
    // The last period ended, until the entry manager chooses another.
    let period = RwSignal::new(None::<String>);
    let period_chosen = move || {
        period.get().unwrap_or_else(|| {
            let (from, _) = cycles.with(|c| last_period(c, today()));
            from.to_string()
        })
    };
    let remarks = RwSignal::new(String::new());
    let rooms =
        Signal::derive(move || registers.with(|r| r.as_ref().map(rooms_of).unwrap_or_default()));
    let chosen = move || {
        let room = rooms.with(|rs| rs.iter().find(|r| r.id == room_id.get()).cloned())?;
        Some((room, cycles.with(|c| period_value(c, &period_chosen()))?))
    };
    let generated = {
        let store = store.clone();
        local_action(move |_: &()| {
            let (store, chosen, registers) = (store.clone(), chosen(), registers.get_untracked());
            async move {
                let (Some((room, period)), Some(registers)) = (chosen, registers) else {
                    return Err(tr!("室と期間を選んでください。").into_owned());
                };
                let figures = generate(&store, &registers, &room, period, directory).await;
                figures
                    .map(|f| (room, period, f))
                    .map_err(|e| e.to_string())
            }
        })
    };
    let draft = move || generated.value().get().and_then(Result::ok);
    let latest = move || {
        let (room, (from, to), _) = draft()?;
        registers.with(|r| {
            r.as_ref()?
                .office()
                .latest_report(&room.id, from, to)
                .cloned()
        })
    };
    let submit = local_action(move |_: &()| {
        let (store, operator) = (store.clone(), session.operator_id());
        let (draft, supersedes) = (draft(), latest().map(|r| r.id));
        let remarks = remarks.get_untracked();
        async move {
            let (room, (from, to), figures) =
                draft.ok_or_else(|| tr!("先に報告を作成してください。").into_owned())?;
            let report = ReportSubmitted {
                room_id: room.id.clone(),
                from,
                to,
                figures,
                remarks,
                supersedes,
                submitted_by: operator.clone(),
                submitted_on: today(),
            };
            let period = period_text(from, to);
            let done = tr!(
                "%{room}の%{period}の報告を提出しました。",
                room = room.name,
                period = period
            );
            let done = done.into_owned();
            record(&store, &operator, EventKind::ReportSubmitted(report), done).await
        }
    });
    let said = move || {
        let refused = generated.value().get().and_then(Result::err);
        let submitted = submit.value().get();
        match (refused, submitted) {
            (Some(e), _) | (None, Some(Err(e))) => {
                Some(view! { <p class="form-error" role="alert">{e}</p> }.into_any())
            }
            (None, Some(Ok(done))) => {
                Some(view! { <p class="status" role="status">{done}</p> }.into_any())
            }
            (None, None) => None,
        }
    };
    view! {
        <section class="card wide report-draft">
            <h2>{tr!("報告を作成・提出する（入退室管理者、第20条）")}</h2>
            <div class="filters">
                <div class="field">
                    <label for="report-room">{tr!("室")}</label>
                    <select id="report-room" on:change=move |ev| room_id.set(event_target_value(&ev))>
                        <option value="">{tr!("選んでください")}</option>
                        {move || rooms.get().into_iter().map(|r| view! {
                            <option value=r.id.clone()>{tr!("%{name}（レベル%{level}）", name = r.name, level = r.level.number())}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="report-period">{move || tr!("期間（%{cycle}）", cycle = cycles.with(|c| cycle_on(c, today()).name_text()))}</label>
                    <select id="report-period" on:change=move |ev| period.set(Some(event_target_value(&ev)))>
                        {move || periods.get().into_iter().map(|(from, to)| {
                            let value = from.to_string();
                            let selected = value == period_chosen();
                            view! { <option value=value selected=selected>{period_text(from, to)}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <button type="button" id="report-generate" class="button" on:click=move |_| { generated.dispatch(()); }>
                    {tr!("登録簿から作成")}
                </button>
            </div>
            {move || draft().map(|(room, (from, to), f)| view! {
                <div class="report-figures" data-room=room.id.clone()>
                    <h3>{room.name.clone()} "　" {period_text(from, to)}</h3>
                    <FiguresTable figures=f/>
                </div>
            })}
            <div class="field">
                <label for="report-remarks">{tr!("所見（期間中の出来事と対応。提出後は変更できません）")}</label>
                <textarea id="report-remarks" rows="4" bind:value=remarks></textarea>
            </div>
            <button type="button" id="report-submit" class="button primary" disabled=move || draft().is_none() || submit.pending().get()
                on:click=move |_| { submit.dispatch(()); }>
                {move || if latest().is_some() { tr!("訂正版を提出") } else { tr!("提出") }}
            </button>
            {said}
        </section>
    }
}

/// A report's figures as the entry manager reviews them and the general manager reads them.
#[component]
fn FiguresTable(figures: ReportFigures) -> impl IntoView {
    let list = |items: Vec<String>| {
        if items.is_empty() {
            view! { <span>{tr!("なし")}</span> }.into_any()
        } else {
            view! { <ul>{items.into_iter().map(|i| view! { <li>{i}</li> }).collect_view()}</ul> }
                .into_any()
        }
    };
    let f = figures;
    view! {
        <table class="register figures">
            <tbody>
                <tr><th>{tr!("入室の記録")}</th><td data-figure="entries">{tr!("%{n}件（%{people}人）", n = f.entries, people = f.people)}</td></tr>
                <tr><th>{tr!("退室の記録がない入室")}</th><td data-figure="without_exit">{tr!("%{n}件", n = f.without_exit)}</td></tr>
                <tr><th>{tr!("来訪者の入室")}</th><td data-figure="visitor_entries">{tr!("%{n}件", n = f.visitor_entries)}</td></tr>
                <tr><th>{tr!("鍵の貸出し")}</th><td data-figure="keys">{tr!("%{n}件（返却遅れ %{late}件・未返却 %{out}件）", n = f.keys_lent, late = f.returned_late, out = f.not_returned)}</td></tr>
                <tr><th>{tr!("例外")}</th><td data-figure="exceptions">{list(f.exceptions)}</td></tr>
                <tr><th>{tr!("訂正・取消した記録")}</th><td data-figure="corrections">{tr!("%{n}件", n = f.corrections)}</td></tr>
                <tr><th>{tr!("入退室管理者の措置（第18条第2項）")}</th><td data-figure="measures">{list(f.measures)}</td></tr>
            </tbody>
        </table>
    }
}

/// The CSV's columns.
fn csv_header() -> [Cow<'static, str>; 14] {
    [
        tr!("期間"),
        tr!("室"),
        tr!("提出日"),
        tr!("提出者"),
        tr!("入室"),
        tr!("退室の記録がない入室"),
        tr!("来訪者の入室"),
        tr!("鍵の貸出し"),
        tr!("返却遅れ・未返却"),
        tr!("例外"),
        tr!("所見"),
        tr!("版"),
        tr!("状況"),
        tr!("確認・調査"),
    ]
}

/// Every report submitted, newest period first, each version (a correction beside the one it
/// replaces), with where it stands and a button to review it.
#[component]
fn ReportList(
    registers: Memo<Option<Registers>>,
    review_target: RwSignal<String>,
) -> impl IntoView {
    let directory = expect_context::<Directory>();
    let printing = RwSignal::new(None::<EventId>);
    let print = print_report(registers, printing);
    let lines = Signal::derive(move || {
        registers.with(|r| {
            let Some(r) = r else { return Vec::new() };
            let mut reports = reports_of(r);
            sort_by(&mut reports, |a, b| {
                (b.submitted.from, &a.submitted.room_id, &b.id).cmp(&(
                    a.submitted.from,
                    &b.submitted.room_id,
                    &a.id,
                ))
            });
            reports
                .into_iter()
                .map(|report| {
                    let room = r
                        .room(&report.submitted.room_id)
                        .map_or_else(|| report.submitted.room_id.clone(), |x| x.name.clone());
                    let row = csv_row(&report, &room, r, &directory);
                    (report.id, row)
                })
                .collect::<Vec<(EventId, Vec<String>)>>()
        })
    });
    let csv = Signal::derive(move || {
        lines
            .get()
            .into_iter()
            .map(|(_, row)| row)
            .collect::<Vec<_>>()
    });
    let key = |l: &(EventId, Vec<String>)| l.clone();
    // On screen the figures go in one cell; the CSV keeps a column each.
    let row = move |(id, line): (EventId, Vec<String>)| {
        let state = line[12].clone();
        let [entries, no_exit, visitors, keys, late, breaks] = [4, 5, 6, 7, 8, 9].map(|i| &line[i]);
        let figures = tr!("入室 %{entries}・退室なし %{no_exit}・来訪者 %{visitors}・鍵 %{keys}（返却遅れ・未返却 %{late}）・例外 %{breaks}", entries = entries, no_exit = no_exit, visitors = visitors, keys = keys, late = late, breaks = breaks);
        let figures = figures.into_owned();
        let submitted = format!("{} {}", line[2], line[3]);
        let cells = [
            &line[0], &line[1], &submitted, &figures, &line[10], &line[11], &line[12], &line[13],
        ]
        .map(|c| view! { <td class=fit(c)>{c.clone()}</td> });
        let chosen = id.to_string();
        let printed = id.clone();
        view! {
            <tr class="report" data-report=id.to_string() data-state=state>
                {cells.into_iter().collect_view()}
                <td class="actions">
                    <button type="button" class="button pick-review"
                        on:click=move |_| review_target.set(chosen.clone())>{tr!("確認を記録")}</button>
                    <button type="button" class="button print-report"
                        on:click=move |_| { print.dispatch(printed.clone()); }>{tr!("印刷")}</button>
                </td>
            </tr>
        }
    };
    let columns = vec![
        tr!("期間"),
        tr!("室"),
        tr!("提出"),
        tr!("件数"),
        tr!("所見"),
        tr!("版"),
        tr!("状況"),
        tr!("確認・調査"),
        "".into(),
    ];
    view! {
        <section class="card wide report-list">
            <h2>{tr!("提出された報告")}</h2>
            <RegisterOutput what="reports" header=csv_header() rows=csv covers=tr!("すべての報告").into_owned()/>
            <LogTable class="register reports" columns rows=lines key row
                empty=tr!("提出された報告はありません。")/>
        </section>
        <ReportSheet registers printing/>
    }
}

/// Prints one report alone on A4 (its sheet), recorded in 操作履歴 as the report's room and
/// period.
fn print_report(
    registers: Memo<Option<Registers>>,
    printing: RwSignal<Option<EventId>>,
) -> Action<EventId, ()> {
    let (store, session) = (use_store(), expect_context::<Session>());
    local_action(move |id: &EventId| {
        printing.set(Some(id.clone()));
        let period = registers.with_untracked(|r| {
            let r = r.as_ref()?;
            let report = r.office().reports.get(id)?;
            Some(crate::pages::instructions::report_label(report, r))
        });
        let kind = EventKind::Printed(daicho_core::history::Printed {
            what: "report".into(),
            period: period.unwrap_or_default(),
        });
        let (store, operator) = (store.clone(), session.operator_id());
        async move {
            // The print is history (第12条); the report prints even if recording it fails.
            let _ = store.record_act(kind, &operator, Utc::now()).await;
            crate::components::register_output::print_only_this_register("report");
        }
    })
}

/// The report chosen for printing, as the paper the entry manager hands in: the room and
/// period, who submitted it when, the figures, the remarks, and where it stands.
#[component]
fn ReportSheet(
    registers: Memo<Option<Registers>>,
    printing: RwSignal<Option<EventId>>,
) -> impl IntoView {
    let directory = expect_context::<Directory>();
    let sheet = move || {
        let id = printing.get()?;
        registers.with(|r| {
            let r = r.as_ref()?;
            let report = r.office().reports.get(&id)?.clone();
            let room = r
                .room(&report.submitted.room_id)
                .map_or_else(|| report.submitted.room_id.clone(), |x| x.name.clone());
            let line = csv_row(&report, &room, r, &directory);
            Some((report, room, line))
        })
    };
    move || {
        sheet().map(|(report, room, line)| {
            let s = report.submitted;
            view! {
                <section class="card wide report-sheet" data-report=report.id.to_string()>
                    <header class="print-heading">
                        <p class="print-title">{tr!("入退室管理者の報告（第20条）")}</p>
                        <p class="print-covers">
                            {tr!("%{room}　%{period}　湧別町　印刷 %{day}", room = room, period = period_text(s.from, s.to), day = wareki::date_text(Utc::now()))}
                        </p>
                    </header>
                    <p>{tr!("提出：%{day}　%{by}（%{version}）　状況：%{state}", day = line[2], by = line[3], version = line[11], state = line[12])}</p>
                    <FiguresTable figures=s.figures/>
                    <h3>{tr!("所見")}</h3>
                    <p class="remarks">{s.remarks}</p>
                    <h3>{tr!("確認・調査")}</h3>
                    <p>{if line[13].is_empty() { tr!("（未確認）").into_owned() } else { line[13].clone() }}</p>
                </section>
            }
        })
    }
}

/// A report as the list and the CSV say it: its figures, where it stands, its reviews.
fn csv_row(
    report: &Report,
    room: &str,
    registers: &Registers,
    directory: &Directory,
) -> Vec<String> {
    let s = &report.submitted;
    let f = &s.figures;
    let (late, out) = (f.returned_late, f.not_returned);
    let office = registers.office();
    let reviews: Vec<String> = office
        .reviews_of(&report.id)
        .iter()
        .map(|v| {
            let r = &v.reviewed;
            let investigation = r.investigation.as_ref().map_or_else(String::new, |i| {
                let outcome = v.concluded.as_ref().map_or_else(
                    || tr!("調査中").into_owned(),
                    |c| tr!("結果：%{outcome}", outcome = c.outcome).into_owned(),
                );
                let (who, until) = (directory.name_of(&i.investigator), ja_day(i.until));
                let said = tr!(
                    "　調査：%{subject}（%{who}・%{until}まで）%{outcome}",
                    subject = i.subject,
                    who = who,
                    until = until,
                    outcome = outcome
                );
                said.into_owned()
            });
            let (day, by) = (ja_day(r.reviewed_on), directory.name_of(&r.reviewed_by));
            let said = tr!(
                "%{day} %{by}：%{findings}%{investigation}",
                day = day,
                by = by,
                findings = r.findings,
                investigation = investigation
            );
            said.into_owned()
        })
        .collect();
    vec![
        period_text(s.from, s.to),
        room.to_string(),
        ja_day(s.submitted_on),
        directory.name_of(&s.submitted_by),
        tr!("%{n}件（%{people}人）", n = f.entries, people = f.people).into_owned(),
        tr!("%{n}件", n = f.without_exit).into_owned(),
        tr!("%{n}件", n = f.visitor_entries).into_owned(),
        tr!("%{n}件", n = f.keys_lent).into_owned(),
        tr!("%{late}件・%{out}件", late = late, out = out).into_owned(),
        if f.exceptions.is_empty() {
            tr!("なし").into_owned()
        } else {
            f.exceptions.join(&tr!("／"))
        },
        s.remarks.clone(),
        if s.supersedes.is_some() {
            tr!("訂正版").into_owned()
        } else {
            tr!("初版").into_owned()
        },
        state_text(office, report),
        reviews.join(&tr!("／")),
    ]
}

/// Where a report stands; a version a correction replaced says so instead.
fn state_text(office: &daicho_core::office::Office, report: &Report) -> String {
    let current = office.current_reports().iter().any(|r| r.id == report.id);
    if current {
        office.report_state(&report.id).name_text().to_string()
    } else {
        tr!("新しい版に置換").into_owned()
    }
}

/// The general manager reviews a report: the findings and, if it needs one, an investigation
/// (who, what, by when). Instructions from it are issued on 指示・依頼, naming the report.
#[component]
fn ReviewForm(registers: Memo<Option<Registers>>, target: RwSignal<String>) -> impl IntoView {
    let (store, session) = (use_store(), expect_context::<Session>());
    let findings = RwSignal::new(String::new());
    let investigate = RwSignal::new(false);
    let investigator = RwSignal::new(String::new());
    let subject = RwSignal::new(String::new());
    let until = RwSignal::new(String::new());
    let options = move || {
        registers.with(|r| {
            let Some(r) = r else { return Vec::new() };
            let label = |rep: &Report| crate::pages::instructions::report_label(rep, r);
            let reports = reports_of(r);
            reports
                .iter()
                .map(|rep| (rep.id.to_string(), label(rep)))
                .collect::<Vec<_>>()
        })
    };
    let review = local_action(move |_: &()| {
        let (store, operator) = (store.clone(), session.operator_id());
        let report = target.get_untracked().parse::<EventId>();
        let investigation = investigate.get_untracked().then(|| {
            let until = NaiveDate::parse_from_str(&until.get_untracked(), "%Y-%m-%d");
            (investigator.get_untracked(), subject.get_untracked(), until)
        });
        let findings = findings.get_untracked();
        async move {
            let report = report.map_err(|_| tr!("確認する報告を選んでください。").into_owned())?;
            let investigation = match investigation {
                None => None,
                Some((investigator, subject, Ok(until))) => Some(Investigation {
                    investigator,
                    subject,
                    until,
                }),
                Some((_, _, Err(_))) => {
                    return Err(tr!("調査の期限を日付で入力してください。").into_owned())
                }
            };
            let reviewed = ReportReviewed {
                report,
                findings,
                investigation,
                reviewed_by: operator.clone(),
                reviewed_on: today(),
            };
            let kind = EventKind::ReportReviewed(reviewed);
            let done = tr!("報告の確認を記録しました。").into_owned();
            record(&store, &operator, kind, done).await
        }
    });
    view! {
        <section class="card wide review-form">
            <h2>{tr!("報告の確認・調査（セキュリティ総括責任者、第20条）")}</h2>
            <div class="field">
                <label for="review-report">{tr!("報告")}</label>
                <select id="review-report" prop:value=move || target.get()
                    on:change=move |ev| target.set(event_target_value(&ev))>
                    <option value="">{tr!("選んでください")}</option>
                    {move || options().into_iter().map(|(id, label)| view! {
                        <option value=id.clone() selected=move || target.get() == id>{label}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="review-findings">{tr!("確認の結果（指摘事項）")}</label>
                <textarea id="review-findings" rows="3" bind:value=findings></textarea>
            </div>
            <label class="check" for="review-investigate">
                <input type="checkbox" id="review-investigate" bind:checked=investigate/>
                {tr!("調査を行う")}
            </label>
            <Shown when=move || investigate.get()>
                <StaffSelect id="review-investigator" label=tr!("調査する人") value=investigator/>
                <div class="field">
                    <label for="review-subject">{tr!("調査する事項")}</label>
                    <input id="review-subject" autocomplete="off" bind:value=subject/>
                </div>
                <div class="field">
                    <label for="review-until">{tr!("調査の期限")}</label>
                    <input id="review-until" type="date" bind:value=until/>
                </div>
            </Shown>
            <button type="button" id="record-review" class="button primary"
                disabled=move || review.pending().get()
                on:click=move |_| { review.dispatch(()); }>{tr!("確認を記録")}</button>
            {move || review.value().get().map(said)}
            <p class="hint">{tr!("調査の結果から指示を出すときは、指示・依頼で根拠に「入退室管理者からの報告」とこの報告を選びます。その指示が完了すると、報告も完了になります。")}</p>
        </section>
    }
}

/// The outcome of an investigation a review opened.
#[component]
fn ConcludeForm(registers: Memo<Option<Registers>>) -> impl IntoView {
    let (store, session) = (use_store(), expect_context::<Session>());
    let directory = expect_context::<Directory>();
    let chosen = RwSignal::new(String::new());
    let outcome = RwSignal::new(String::new());
    let open = move || {
        registers.with(|r| {
            let Some(r) = r else { return Vec::new() };
            let investigating = r.office().reviews.values().filter(|v| v.is_investigating());
            investigating
                .map(|v| {
                    let label = v
                        .reviewed
                        .investigation
                        .as_ref()
                        .map_or_else(String::new, |i| {
                            let who = directory.name_of(&i.investigator);
                            let until = ja_day(i.until);
                            let label = tr!(
                                "%{subject}（%{who}・%{until}まで）",
                                subject = i.subject,
                                who = who,
                                until = until
                            );
                            label.into_owned()
                        });
                    (v.id.to_string(), label)
                })
                .collect::<Vec<_>>()
        })
    };
    let conclude = local_action(move |_: &()| {
        let (store, operator) = (store.clone(), session.operator_id());
        let review = chosen.get_untracked().parse::<EventId>();
        let outcome = outcome.get_untracked();
        async move {
            let review =
                review.map_err(|_| tr!("結果を記録する調査を選んでください。").into_owned())?;
            let concluded = InvestigationConcluded {
                review,
                outcome,
                concluded_by: operator.clone(),
                concluded_on: today(),
            };
            let kind = EventKind::InvestigationConcluded(concluded);
            let done = tr!("調査の結果を記録しました。").into_owned();
            record(&store, &operator, kind, done).await
        }
    });
    view! {
        <section class="card wide conclude-form">
            <h2>{tr!("調査の結果")}</h2>
            <div class="field">
                <label for="conclude-review">{tr!("調査中の事項")}</label>
                <select id="conclude-review" on:change=move |ev| chosen.set(event_target_value(&ev))>
                    <option value="">{tr!("選んでください")}</option>
                    {move || open().into_iter().map(|(id, label)| view! {
                        <option value=id>{label}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="conclude-outcome">{tr!("結果")}</label>
                <textarea id="conclude-outcome" rows="3" bind:value=outcome></textarea>
            </div>
            <button type="button" id="record-conclusion" class="button primary"
                disabled=move || conclude.pending().get()
                on:click=move |_| { conclude.dispatch(()); }>{tr!("結果を記録")}</button>
            {move || conclude.value().get().map(said)}
        </section>
    }
}
