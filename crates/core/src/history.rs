//! The operation history (第12条): every act is an event carrying its operator, device and
//! time. This adds the acts that change no register (a print, an export, a sync, this device's
//! enrollment and revocation), names every kind in the reader's language, files events under
//! their JST day for the counts, and writes the history as CSV for Excel.

use crate::event::EventTag;
use crate::sort::sort_by;
use crate::tr;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// A register printed (the key logbook's month on A4): what, and which period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Printed {
    /// `"key_logbook"`.
    pub what: String,
    /// The period printed as shown (`"2026-11"`).
    pub period: String,
}

/// The name of the register `what` (a code `Printed` and `Exported` record), as the printout,
/// the file and 操作履歴 give it; the code itself if unknown (an event from a newer app).
pub fn output_name_text(what: &str) -> Cow<'static, str> {
    match what {
        "entry_logbook" => tr!("入退室管理簿"),
        "key_logbook" => tr!("鍵の管理簿"),
        "permits" => tr!("入室許可の一覧"),
        "rooms" => tr!("室の一覧"),
        "people" => tr!("職員・来訪者"),
        "terms" => tr!("職と任期"),
        "meetings" => tr!("セキュリティ会議の記録"),
        "instructions" => tr!("指示・要請の一覧"),
        "equipment" => tr!("アクセス管理の対象機器"),
        "operator_ids" => tr!("操作者ID管理簿"),
        "collation_ids" => tr!("照合ID管理簿"),
        "assets" => tr!("情報資産"),
        "rule_breaks" => tr!("例外"),
        "reports" => tr!("入退室管理者の報告の一覧"),
        "report" => tr!("入退室管理者の報告"),
        "operation_history" => tr!("操作履歴"),
        "room_measures" => tr!("入退室管理者の措置"),
        other => Cow::Owned(other.to_string()),
    }
}

/// Records taken out of the device as a file: what, how many rows, and the filter used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Exported {
    /// `"operation_history"`.
    pub what: String,
    pub rows: u32,
    /// The filter in words (`"2026-11-01〜2026-11-30 山田 太郎"`).
    pub filter: String,
}

/// A sync that moved something (empty periodic syncs are not recorded: they would flood it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Synced {
    pub pushed: u32,
    pub pulled: u32,
}

/// This device enrolled with the endpoint, under the name the administrator gave it
/// (「中湧別出張所 タブレット1」): what every page and printout calls the device. Devices enrolled
/// before names were asked for have none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DeviceEnrolled {
    pub device: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
}

/// The longest name a device may be given.
pub const DEVICE_NAME_MAX_CHARS: usize = 40;

/// A device's name as given at enrollment: trimmed, not empty, not too long. `Err` says why,
/// for the form.
pub fn device_name(given: &str) -> Result<String, String> {
    let name = given.trim();
    if name.is_empty() {
        return Err(tr!("端末の名前を入力してください（例：中湧別出張所 タブレット1）。操作履歴や印刷でこの名前が使われます。").into_owned());
    }
    if name.chars().count() > DEVICE_NAME_MAX_CHARS {
        let max = DEVICE_NAME_MAX_CHARS;
        return Err(tr!("端末の名前は%{max}文字までです。", max = max).into_owned());
    }
    Ok(name.to_string())
}

/// The devices' names by id, from their enrollments (the latest of a device's, if it enrolled
/// again).
pub fn device_names<'a>(
    enrollments: impl IntoIterator<Item = &'a DeviceEnrolled>,
) -> std::collections::HashMap<String, String> {
    enrollments
        .into_iter()
        .filter(|e| !e.name.is_empty())
        .map(|e| (e.device.clone(), e.name.clone()))
        .collect()
}

/// The endpoint told this device its enrollment was revoked (the revocation itself is the
/// server's act; the device records when it learnt of it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DeviceRevoked {
    pub device: String,
}

/// Every kind, in the order the history's filter lists them (the daily logbooks first).
pub const KINDS: [EventTag; 43] = [
    EventTag::EntryRecorded,
    EventTag::ExitRecorded,
    EventTag::KeyLent,
    EventTag::KeyReturned,
    EventTag::KeyLoanVoided,
    EventTag::PermissionGranted,
    EventTag::VisitPermitGranted,
    EventTag::PermitRevoked,
    EventTag::EntryMeasureSet,
    EventTag::MeetingHeld,
    EventTag::OpinionReceived,
    EventTag::InstructionIssued,
    EventTag::FollowUpReported,
    EventTag::InstructionClosed,
    EventTag::ReportSubmitted,
    EventTag::ReportReviewed,
    EventTag::InvestigationConcluded,
    EventTag::ReportCycleSet,
    EventTag::BreakHandled,
    EventTag::HandlerDesignated,
    EventTag::MeasureRecorded,
    EventTag::IdLedgerRecorded,
    EventTag::CollationInfoRecorded,
    EventTag::CorrectionRecorded,
    EventTag::RoomDefined,
    EventTag::PersonDefined,
    EventTag::PositionDefined,
    EventTag::RoleAssigned,
    EventTag::TenureRecorded,
    EventTag::KeyDefined,
    EventTag::EquipmentRegistered,
    EventTag::AssetRegistered,
    EventTag::OperatorIdKindDefined,
    EventTag::PinSet,
    EventTag::SignedIn,
    EventTag::SignInFailed,
    EventTag::SignedOut,
    EventTag::PinUnlocked,
    EventTag::Printed,
    EventTag::Exported,
    EventTag::Synced,
    EventTag::DeviceEnrolled,
    EventTag::DeviceRevoked,
];

impl EventTag {
    /// The kind's name in the reader's language, as the history and a record's page show it.
    pub fn label_text(self) -> Cow<'static, str> {
        match self {
            EventTag::EntryRecorded => tr!("入室の記録"),
            EventTag::ExitRecorded => tr!("退室の記録"),
            EventTag::KeyLent => tr!("鍵の貸出"),
            EventTag::KeyReturned => tr!("鍵の返却"),
            EventTag::KeyLoanVoided => tr!("貸出しの取消（競合の解決）"),
            EventTag::PermissionGranted => tr!("入室許可"),
            EventTag::VisitPermitGranted => tr!("その都度の入室許可"),
            EventTag::PermitRevoked => tr!("許可の取消"),
            EventTag::EntryMeasureSet => tr!("入退室管理の措置"),
            EventTag::MeetingHeld => tr!("セキュリティ会議"),
            EventTag::OpinionReceived => tr!("審査会の意見"),
            EventTag::InstructionIssued => tr!("指示・依頼"),
            EventTag::FollowUpReported => tr!("措置状況の報告"),
            EventTag::InstructionClosed => tr!("指示・依頼の完了"),
            EventTag::ReportSubmitted => tr!("入退室管理者の報告"),
            EventTag::ReportReviewed => tr!("報告の確認（指摘・調査）"),
            EventTag::InvestigationConcluded => tr!("調査の結果"),
            EventTag::ReportCycleSet => tr!("報告の周期"),
            EventTag::BreakHandled => tr!("例外の処置"),
            EventTag::HandlerDesignated => tr!("取扱者の指定"),
            EventTag::MeasureRecorded => tr!("情報資産の措置"),
            EventTag::IdLedgerRecorded => tr!("ID管理簿の記録"),
            EventTag::CollationInfoRecorded => tr!("照合情報の記録"),
            EventTag::CorrectionRecorded => tr!("訂正・取消"),
            EventTag::RoomDefined => tr!("室"),
            EventTag::PersonDefined => tr!("職員・来訪者"),
            EventTag::PositionDefined => tr!("職"),
            EventTag::RoleAssigned => tr!("役割の割当て"),
            EventTag::TenureRecorded => tr!("在職期間"),
            EventTag::KeyDefined => tr!("鍵"),
            EventTag::EquipmentRegistered => tr!("機器"),
            EventTag::AssetRegistered => tr!("情報資産"),
            EventTag::OperatorIdKindDefined => tr!("操作者IDの種類"),
            EventTag::PinSet => tr!("暗証番号の設定"),
            EventTag::SignedIn => tr!("サインイン"),
            EventTag::SignInFailed => tr!("サインインの失敗"),
            EventTag::SignedOut => tr!("サインアウト"),
            EventTag::PinUnlocked => tr!("暗証番号のロック解除"),
            EventTag::Printed => tr!("印刷"),
            EventTag::Exported => tr!("書き出し"),
            EventTag::Synced => tr!("同期"),
            EventTag::DeviceEnrolled => tr!("端末の登録"),
            EventTag::DeviceRevoked => tr!("端末の登録取消"),
        }
    }
}

/// The name of an event kind by its stored name (`"meeting_held"`); `記録` for a name no kind
/// has.
pub fn kind_label_text(tag: &str) -> Cow<'static, str> {
    tag.parse::<EventTag>()
        .map_or_else(|_| tr!("記録"), EventTag::label_text)
}

const DAY_MS: i64 = 86_400_000;
const JST_MS: i64 = 9 * 3_600_000;

/// The JST day an instant falls on, as days since 1970-01-01: the town's days, whatever the
/// device's time zone.
pub fn jst_day(wall_ms: i64) -> i64 {
    (wall_ms + JST_MS).div_euclid(DAY_MS)
}

/// The instant a JST day starts.
pub fn day_start_ms(day: i64) -> i64 {
    day * DAY_MS - JST_MS
}

/// The instant the JST calendar day `date` starts.
pub fn date_start_ms(date: chrono::NaiveDate) -> i64 {
    day_start_ms(
        date.signed_duration_since(chrono::NaiveDate::default())
            .num_days(),
    )
}

/// The operator, device and kind an act is counted under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Act<'a> {
    pub operator: &'a str,
    pub device: &'a str,
    pub kind: &'a str,
}

/// Which acts to show: each part left `None` matches every act.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryFilter {
    pub operator: Option<String>,
    pub device: Option<String>,
    pub kind: Option<String>,
}

impl HistoryFilter {
    pub fn matches(&self, act: Act) -> bool {
        let is = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w == have);
        is(&self.operator, act.operator) && is(&self.device, act.device) && is(&self.kind, act.kind)
    }
}

/// Separates the parts of a cell's key (a control character no name or id contains).
const SEP: char = '\u{1f}';

/// How many acts one JST day holds — in all, per operator, per device, per kind, and per
/// operator, device and kind together: the history's counts are read from these (a year is
/// 365 records), never by counting seven years of events. The combined cells are the bulk, and
/// are read only for a filter on device or kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DayCounts {
    pub day: i64,
    /// Every act of the day.
    pub n: u32,
    pub operators: BTreeMap<String, u32>,
    pub devices: BTreeMap<String, u32>,
    pub kinds: BTreeMap<String, u32>,
    /// `"operator␟device␟kind"` → acts (empty when not read).
    #[serde(default)]
    pub cells: BTreeMap<String, u32>,
}

impl DayCounts {
    pub fn new(day: i64) -> DayCounts {
        DayCounts {
            day,
            ..DayCounts::default()
        }
    }

    pub fn add(&mut self, act: Act) {
        self.n += 1;
        *self.operators.entry(act.operator.to_string()).or_default() += 1;
        *self.devices.entry(act.device.to_string()).or_default() += 1;
        *self.kinds.entry(act.kind.to_string()).or_default() += 1;
        let key = format!("{}{SEP}{}{SEP}{}", act.operator, act.device, act.kind);
        *self.cells.entry(key).or_default() += 1;
    }

    /// Each cell's act and count.
    pub fn acts(&self) -> impl Iterator<Item = (Act<'_>, u32)> {
        self.cells.iter().filter_map(|(key, &n)| {
            let mut parts = key.split(SEP);
            let act = Act {
                operator: parts.next()?,
                device: parts.next()?,
                kind: parts.next()?,
            };
            Some((act, n))
        })
    }

    /// The day's acts that `filter` matches (the cells only for two parts or more).
    pub fn count(&self, filter: &HistoryFilter) -> u32 {
        let of = |map: &BTreeMap<String, u32>, key: &str| map.get(key).copied().unwrap_or(0);
        match (&filter.operator, &filter.device, &filter.kind) {
            (None, None, None) => self.n,
            (Some(op), None, None) => of(&self.operators, op),
            (None, Some(device), None) => of(&self.devices, device),
            (None, None, Some(kind)) => of(&self.kinds, kind),
            _ => self
                .acts()
                .filter(|(act, _)| filter.matches(*act))
                .map(|(_, n)| n)
                .sum(),
        }
    }
}

impl HistoryFilter {
    /// Do the counts for this filter (per day, and per operator) need the combined cells?
    pub fn needs_cells(&self) -> bool {
        self.device.is_some() || self.kind.is_some()
    }
}

/// Acts per operator over `days`, most first (then by id, so the order is stable).
pub fn per_operator(days: &[DayCounts], filter: &HistoryFilter) -> Vec<(String, u32)> {
    let mut totals: BTreeMap<&str, u32> = BTreeMap::new();
    if filter.needs_cells() {
        for (act, n) in days.iter().flat_map(DayCounts::acts) {
            if filter.matches(act) {
                *totals.entry(act.operator).or_default() += n;
            }
        }
    } else {
        for (op, &n) in days.iter().flat_map(|d| &d.operators) {
            if filter.operator.as_deref().is_none_or(|o| o == op) {
                *totals.entry(op).or_default() += n;
            }
        }
    }
    let mut totals: Vec<(String, u32)> = totals
        .into_iter()
        .map(|(op, n)| (op.to_string(), n))
        .collect();
    sort_by(&mut totals, |a, b| {
        b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0))
    });
    totals
}

/// The CSV's columns.
pub fn csv_header() -> [Cow<'static, str>; 6] {
    [
        tr!("日時（和暦）"),
        tr!("日時（西暦 ISO）"),
        tr!("操作者"),
        tr!("端末"),
        tr!("種別"),
        tr!("内容"),
    ]
}

/// The operation history's rows as CSV (`csv::table_bytes`).
pub fn csv_bytes(rows: &[[String; 6]]) -> Vec<u8> {
    let header = csv_header();
    let header: Vec<&str> = header.iter().map(|h| h.as_ref()).collect();
    crate::csv::table_bytes(&header, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn act<'a>(operator: &'a str, device: &'a str, kind: &'a str) -> Act<'a> {
        Act {
            operator,
            device,
            kind,
        }
    }

    /// A device is named at enrollment: trimmed, required, bounded; a device enrolled before
    /// names were asked for keeps its JSON (and so its hash) without one.
    #[test]
    fn a_device_is_named_at_enrollment() {
        assert_eq!(
            device_name("  中湧別出張所 タブレット1 ").unwrap(),
            "中湧別出張所 タブレット1"
        );
        assert!(device_name(" ").unwrap_err().contains("端末の名前"));
        let long = "端".repeat(DEVICE_NAME_MAX_CHARS + 1);
        assert!(device_name(&long).unwrap_err().contains("40文字"));
        let old: DeviceEnrolled = serde_json::from_str(r#"{"device":"d1"}"#).unwrap();
        assert_eq!(serde_json::to_string(&old).unwrap(), r#"{"device":"d1"}"#);
        let named = DeviceEnrolled {
            device: "d2".into(),
            name: "本庁 タブレット1".into(),
        };
        let names = device_names([&old, &named]);
        assert_eq!(names.len(), 1);
        assert_eq!(names["d2"], "本庁 タブレット1");
    }

    #[test]
    fn a_calendar_day_starts_at_jst_midnight() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        // 2026-11-26 00:00 in Japan is 2026-11-25 15:00 UTC.
        assert_eq!(date_start_ms(day), 1_795_618_800_000);
        assert_eq!(
            jst_day(date_start_ms(day)),
            jst_day(date_start_ms(day) - 1) + 1
        );
    }

    #[test]
    fn days_are_jst_days() {
        // 2026-11-25 15:00 UTC is 2026-11-26 00:00 in Japan.
        let midnight = 1_764_082_800_000;
        assert_eq!(jst_day(midnight), jst_day(midnight - 1) + 1);
        assert_eq!(day_start_ms(jst_day(midnight)), midnight);
        assert_eq!(day_start_ms(jst_day(midnight + 5_000)), midnight);
    }

    #[test]
    fn day_counts_answer_any_filter() {
        let mut day = DayCounts::new(20_000);
        day.add(act("yamada", "tab-1", "entry_recorded"));
        day.add(act("yamada", "tab-1", "entry_recorded"));
        day.add(act("yamada", "tab-2", "signed_in"));
        day.add(act("sato", "tab-1", "printed"));
        assert_eq!(day.count(&HistoryFilter::default()), 4);
        let yamada = HistoryFilter {
            operator: Some("yamada".into()),
            ..HistoryFilter::default()
        };
        assert_eq!(day.count(&yamada), 3);
        let tab1_entries = HistoryFilter {
            device: Some("tab-1".into()),
            kind: Some("entry_recorded".into()),
            ..HistoryFilter::default()
        };
        assert_eq!(day.count(&tab1_entries), 2);
        let prints = HistoryFilter {
            kind: Some("printed".into()),
            ..HistoryFilter::default()
        };
        assert_eq!(day.count(&prints), 1);
        assert_eq!(
            per_operator(&[day.clone()], &prints),
            vec![("sato".to_string(), 1)]
        );
        assert_eq!(
            per_operator(&[day], &HistoryFilter::default()),
            vec![("yamada".to_string(), 3), ("sato".to_string(), 1)]
        );
    }

    #[test]
    fn csv_has_the_bom_crlf_and_quotes_what_needs_it() {
        let row = [
            "令和8年11月26日 11:47".to_string(),
            "2026-11-26T11:47:00+09:00".into(),
            "山田, 太郎".into(),
            "tab-1".into(),
            "入室の記録".into(),
            "目的 \"点検\"\n二行目".into(),
        ];
        let bytes = csv_bytes(&[row]);
        assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with("\u{feff}\"日時（和暦）\",\"日時（西暦 ISO）\""));
        assert!(text.contains("\"山田, 太郎\""));
        assert!(text.contains("\"目的 \"\"点検\"\"\n二行目\"\r\n"));
        assert_eq!(text.matches("\r\n").count(), 2);
    }

    #[test]
    fn every_kind_has_one_label() {
        let mut tags: Vec<&str> = KINDS.iter().map(|t| t.as_str()).collect();
        tags.sort();
        tags.dedup();
        assert_eq!(tags.len(), KINDS.len());
        assert_eq!(kind_label_text("signed_out"), "サインアウト");
    }
}
