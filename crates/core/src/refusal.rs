//! Why something may not be recorded: a stable code for machines, the form field it concerns,
//! the article it applies, and a message a clerk can act on (Japanese first, English beside).

use crate::article::Article;
use crate::wareki::WarekiDate;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The input a refusal is about, so the app can show the message at that field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Room,
    Name,
    Affiliation,
    Purpose,
    NameTag,
    Time,
    Entry,
    /// A period (from / to).
    Period,
    Person,
    GrantedBy,
    Permit,
    Key,
    Pin,
    /// The staff member accompanying a visitor.
    Escort,
    /// The record as a whole (its size), not one of its inputs.
    Record,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum RefusalCode {
    UnknownRoom,
    NameMissing,
    AffiliationMissing,
    PurposeMissing,
    NameTagNotWorn,
    /// The time typed cannot be read as a date and time.
    TimeUnreadable,
    /// The time lies more than the tolerance ahead of the device's clock.
    TimeInFuture {
        tolerance_minutes: i64,
    },
    /// The exit lies before the entry it closes.
    ExitBeforeEntry {
        entered_at: String,
    },
    /// No open entry to close: never entered, or already left.
    NotInside,
    /// The same person is already inside the same room.
    AlreadyInside {
        name: String,
    },
    /// The logbook shows the same person inside another room since `since` (the line
    /// `entry`): recorded only when the operator confirms it (an exit not recorded there).
    InsideAnotherRoom {
        entry: String,
        room: String,
        since: String,
    },
    /// A report covers a period that has not ended yet (第20条).
    PeriodNotEnded,
    /// The room's report for that period is in already: a correction names the version it
    /// replaces (第20条).
    ReportAlreadySubmitted,
    /// A report covers something other than one whole period of the cycle in force (第20条).
    NotReportPeriod {
        cycle: String,
    },
    /// A new report cycle must start where a period of `cycle` starts (第20条).
    NotPeriodStart {
        cycle: String,
    },
    /// The rule break's handling is recorded already: a further step is recorded as a new
    /// handling naming the latest one (第18条).
    BreakAlreadyHandled,
    /// A new report cycle cannot reach back before the period in force today (第20条).
    CycleBeforeCurrentPeriod,
    /// A handling names a record that broke no rule here (or in another room).
    NotARuleBreak,
    /// A period (term, permission, loan) that ends before it starts.
    EndsBeforeStart,
    /// Only the holder of `role` may do this.
    NotInRole {
        role: String,
    },
    /// Per-visit permits are for level-3 rooms.
    VisitPermitOnlyForLevel3,
    UnknownPermit,
    PermitAlreadyRevoked,
    UnknownKey,
    /// Keys are lent, and logged, only for level-3 and level-2 rooms.
    KeyNotForThisLevel,
    /// The person holds no permission for the room at that time.
    NotPermitted {
        level: u8,
    },
    /// The key is out with someone else (one holder at a time).
    KeyAlreadyOut {
        holder: String,
    },
    /// No open loan to close: never lent, or already returned.
    KeyNotOut,
    /// A required item is empty; `what` names it (in the reader's language, as the form labels it).
    Missing {
        what: String,
    },
    /// The record acted on does not exist; `what` names its kind.
    UnknownRecord {
        what: String,
    },
    /// The record is in a state that does not allow this (`state` in the reader's language).
    WrongState {
        what: String,
        state: String,
    },
    /// Handlers are designated only for personal data.
    NotPersonalData,
    /// The operator is not registered as staff.
    NotStaff,
    /// The act is governed by kinds of 操作者ID (`kinds`, in Japanese) the operator holds none
    /// of, active (第11条).
    NoOperatorId {
        act: String,
        kinds: String,
    },
    /// A PIN must be 4 to 8 digits.
    PinMalformed,
    /// 照合情報認証 failed: the WebAuthn assertion does not verify (`reason` in the reader's language).
    CollationFailed {
        reason: String,
    },
    /// The person entering is not in the people register.
    UnknownPerson,
    /// The person does not hold the room's key, lent to them (for this visit, at level 3).
    KeyNotHeld {
        level: u8,
    },
    /// Under the entry manager's measure since `since`, a visitor enters only escorted.
    EscortRequired {
        since: NaiveDate,
    },
    /// Under that measure, the escort must be staff permitted into the room.
    EscortNotPermitted {
        since: NaiveDate,
    },
    /// Under the entry manager's measure since `since`, a level-3 room needs a permit for this
    /// visit: a standing permission is not enough.
    VisitPermitRequired {
        since: NaiveDate,
    },
    /// A key keeper is appointed from the staff.
    KeyKeeperNotStaff,
    /// A measure takes effect from the day it is recorded or later, never before.
    MeasureBackdated,
    /// Only the room's entry manager (`manager`, the role) or a key keeper they appointed
    /// lends its keys and takes them back.
    NotKeyHandler {
        manager: String,
    },
    /// The lender or receiver recorded is not the operator signed in.
    HandledByAnother,
    /// The person's key was also lent to someone else at once (two tablets offline): held by
    /// neither until the entry manager records which loan was real.
    KeyInConflict,
    /// The position has another holder during that term (one holder at a time).
    PositionAlreadyHeld {
        holder: String,
    },
    /// The record's texts together take more than the most one record may (`max_kib`), so
    /// it could never be sent to the endpoint.
    RecordTooLarge {
        kib: usize,
        max_kib: usize,
    },
    /// A text holds a NUL character, which one storage engine cannot keep.
    UnstorableCharacter,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Refusal {
    #[serde(flatten)]
    pub code: RefusalCode,
    pub field: Field,
    pub article: Option<Article>,
}

/// 令和8年12月6日, for a measure's day.
fn date_ja(day: NaiveDate) -> String {
    WarekiDate::from_date(day).map_or_else(|| day.to_string(), |w| w.to_string())
}

impl Refusal {
    pub fn new(code: RefusalCode, field: Field, article: Option<Article>) -> Self {
        Refusal {
            code,
            field,
            article,
        }
    }

    /// The message shown to the person at the field, with the article where one applies, in
    /// the reader's language (`lang`).
    pub fn message(&self) -> String {
        crate::lang::pick(|| self.message_ja(), || self.message_en())
    }

    /// The message in Japanese (what the endpoint sends). Its parts (what is missing, a role,
    /// a state) were written when the check ran, in that thread's language: Japanese on the
    /// endpoint; a screen uses `message()`.
    pub fn message_ja(&self) -> String {
        // ja-only-begin: the Japanese of message_en beside it
        let text = match &self.code {
            RefusalCode::UnknownRoom => "部屋を選んでください。".to_string(),
            RefusalCode::NameMissing => "氏名を入力してください。入退室管理簿には氏名の記録が必要です。".to_string(),
            RefusalCode::AffiliationMissing => {
                "所属を入力してください（来訪者は会社・団体名）。".to_string()
            }
            RefusalCode::PurposeMissing => "入室の目的を入力してください。".to_string(),
            RefusalCode::NameTagNotWorn => {
                "名札の着用を確認してください。入室する者は名札を着用しなければなりません。"
                    .to_string()
            }
            RefusalCode::TimeUnreadable => {
                "時刻を年月日と時:分で入力してください（空欄のままでは記録できません）。".to_string()
            }
            RefusalCode::TimeInFuture { tolerance_minutes } => format!(
                "時刻が現在より{tolerance_minutes}分以上先になっています。実際の時刻を入力してください。"
            ),
            RefusalCode::ExitBeforeEntry { entered_at } => format!(
                "退室時刻が入室時刻（{entered_at}）より前になっています。"
            ),
            RefusalCode::NotInside => {
                "この方は現在入室中ではありません。退室は入室中の記録にだけ記録できます。"
                    .to_string()
            }
            RefusalCode::AlreadyInside { name } => format!(
                "{name}さんはこの部屋に入室中です。先に退室を記録してください。"
            ),
            RefusalCode::InsideAnotherRoom { room, since, .. } => format!(
                "この方は{since}から{room}に入室中と記録されています。{room}の退室の記録漏れであることを確かめたうえで、確認欄にチェックして記録してください（例外として入退室管理者に報告されます）。"
            ),
            RefusalCode::PeriodNotEnded => {
                "報告は期間が終わってから提出します（期間の最終日の翌日以降）。".to_string()
            }
            RefusalCode::ReportAlreadySubmitted => {
                "この室のこの期間の報告は提出済みです。訂正は、提出済みの最新の版を訂正する新しい版として提出してください。".to_string()
            }
            RefusalCode::NotReportPeriod { cycle } => format!(
                "報告の期間が、定められた報告の周期（{cycle}）の一つの期間と合っていません。期間の初日から最終日までを選んでください。"
            ),
            RefusalCode::NotPeriodStart { cycle } => format!(
                "報告の周期は、期間の区切りの日からしか変えられません（{cycle}の期間の初日を選んでください）。"
            ),
            RefusalCode::CycleBeforeCurrentPeriod => "報告の周期は、今の期間の初日より前からは変えられません（提出済みの報告の期間が変わってしまうため）。".to_string(),
            RefusalCode::BreakAlreadyHandled => "この例外の処置は記録済みです。追加の処置は、記録済みの最新の処置に続けて記録してください。".to_string(),
            RefusalCode::NotARuleBreak => "処置を記録しようとした記録は、この室の例外ではありません。".to_string(),
            RefusalCode::EndsBeforeStart => "終了が開始より前になっています。".to_string(),
            RefusalCode::RecordTooLarge { kib, max_kib } => format!(
                "記録が大きすぎます（{kib}KiB）。1件の記録は{max_kib}KiBまでです（日本語でおよそ{}万字）。文章を短くするか、分けて記録してください。",
                (max_kib * 1024 / 3 + 5_000) / 10_000
            ),
            RefusalCode::UnstorableCharacter => "記録に使えない制御文字（NUL）が含まれています。貼り付けた文章を確かめてください。".to_string(),
            RefusalCode::PositionAlreadyHeld { holder } => format!(
                "この期間、この職には{holder}さんが就いています。職に就くのは一度に一人です。前任者の任期を終えてから記録してください。"
            ),
            RefusalCode::NotInRole { role } => format!("この操作は{role}だけが行えます。"),
            RefusalCode::VisitPermitOnlyForLevel3 => {
                "その都度の入室許可はレベル3の室に対して出します。".to_string()
            }
            RefusalCode::UnknownPermit => "該当する許可がありません。".to_string(),
            RefusalCode::PermitAlreadyRevoked => "この許可はすでに取り消されています。".to_string(),
            RefusalCode::UnknownKey => "鍵を選んでください。".to_string(),
            RefusalCode::KeyNotForThisLevel => {
                "鍵の管理簿はレベル3・2の室の鍵について作成します。".to_string()
            }
            RefusalCode::NotPermitted { .. } => {
                "この方にはこの室への、この時刻に有効な事前の入室許可がありません。入退室管理者の許可を先に記録してください。".to_string()
            }
            RefusalCode::KeyAlreadyOut { holder } => format!(
                "この鍵は{holder}さんに貸出中です。返却を記録してから貸し出してください。"
            ),
            RefusalCode::KeyNotOut => "この鍵は貸出中ではありません。".to_string(),
            RefusalCode::UnknownPerson => {
                "入室する方を職員・来訪者の登録から選んでください。".to_string()
            }
            RefusalCode::KeyNotHeld { level: 3 } => {
                "この入室のために貸し出された鍵がありません。レベル3の室は、許可を得た上で、入室のたびに鍵の貸出しを受けて入室します（前回の入室より後の貸出しが必要です）。".to_string()
            }
            RefusalCode::KeyNotHeld { .. } => {
                "この室の鍵がこの方に貸し出されていません。鍵を借りてから入室してください。".to_string()
            }
            RefusalCode::EscortRequired { since } => format!(
                "この室では入退室管理者の措置（{}から）により、来訪者には入室を許可された職員の同行が必要です。同行者を選んでください。",
                date_ja(*since)
            ),
            RefusalCode::EscortNotPermitted { since } => format!(
                "この室では入退室管理者の措置（{}から）により、同行者はこの室への入室を許可された職員でなければなりません。",
                date_ja(*since)
            ),
            RefusalCode::VisitPermitRequired { since } => format!(
                "この室では入退室管理者の措置（{}から）により、入室のたびの許可（その都度の許可）が必要です。常時の許可だけでは入室できません。",
                date_ja(*since)
            ),
            RefusalCode::KeyKeeperNotStaff => {
                "鍵取扱者には職員を指名してください。".to_string()
            }
            RefusalCode::MeasureBackdated => {
                "措置は記録する日以降の日から行います。さかのぼって行うことはできません。".to_string()
            }
            RefusalCode::NotKeyHandler { manager } => format!(
                "鍵の貸出しと返却の受領は、この室の入退室管理者（{manager}）か、入退室管理者が指名した鍵取扱者だけが記録できます。"
            ),
            RefusalCode::HandledByAnother => {
                "貸出者・受領者は、サインインしている方として記録します。".to_string()
            }
            RefusalCode::KeyInConflict => {
                "この鍵は同じ時に別の方にも貸し出されたことになっています（オフラインの端末どうしの貸出し）。入退室管理者がどちらの貸出しが正しいかを記録するまで、この鍵では入室できません。".to_string()
            }
            RefusalCode::Missing { what } => format!("{what}を入力してください。"),
            RefusalCode::UnknownRecord { what } => format!("該当する{what}がありません。"),
            RefusalCode::WrongState { what, state } => {
                format!("この{what}は{state}のため、この操作はできません。")
            }
            RefusalCode::NotPersonalData => {
                "取扱者の指定は個人情報（本人確認情報等）の資産について行います。".to_string()
            }
            RefusalCode::PinMalformed => "暗証番号は4〜8桁の数字にしてください。".to_string(),
            RefusalCode::CollationFailed { reason } => format!("照合情報認証に失敗しました。{reason}"),
            RefusalCode::NotStaff => {
                "職員として登録された方だけが記録できます。職員の登録を確認してください。".to_string()
            }
            RefusalCode::NoOperatorId { act, kinds } => format!(
                "{act}は、操作者ID（{kinds}）を有効に持つ方だけが行えます。サインイン中の方の操作者IDを操作者ID管理簿で確認してください。"
            ),
        };
        match self.article {
            Some(article) => format!("{text}（{}）", article.ja()),
            None => text,
        }
        // ja-only-end
    }

    /// The same message for English readers and logs. The parts a refusal names (`what`,
    /// `state`, `role`, …) are in the language the check ran in: the reader's.
    pub fn message_en(&self) -> String {
        let text = match &self.code {
            RefusalCode::UnknownRoom => "Choose a room.".to_string(),
            RefusalCode::NameMissing => {
                "Enter the name: the entry/exit logbook must record it.".to_string()
            }
            RefusalCode::AffiliationMissing => {
                "Enter the affiliation (for a visitor, the company or organisation).".to_string()
            }
            RefusalCode::PurposeMissing => "Enter the purpose of entry.".to_string(),
            RefusalCode::NameTagNotWorn => {
                "Confirm the name tag is worn: everyone entering must wear one.".to_string()
            }
            RefusalCode::TimeUnreadable => {
                "Enter the date and the time (hours:minutes): a blank time cannot be recorded."
                    .to_string()
            }
            RefusalCode::TimeInFuture { tolerance_minutes } => format!(
                "The time is {tolerance_minutes} minutes or more ahead of now. Enter the actual time."
            ),
            RefusalCode::ExitBeforeEntry { entered_at } => {
                format!("The exit time is earlier than the entry time ({entered_at}).")
            }
            RefusalCode::NotInside => {
                "This person is not inside now: an exit is recorded only for an open entry."
                    .to_string()
            }
            RefusalCode::AlreadyInside { name } => {
                format!("{name} is inside this room already: record the exit first.")
            }
            RefusalCode::InsideAnotherRoom { room, since, .. } => format!(
                "The logbook shows this person inside {room} since {since}. Make sure the exit from {room} was not recorded, then tick the confirmation and record (it is reported to the entry manager as an exception)."
            ),
            RefusalCode::PeriodNotEnded => {
                "A report is submitted once its period has ended (from the day after its last day).".to_string()
            }
            RefusalCode::ReportAlreadySubmitted => {
                "This room's report for this period is submitted already: submit a correction as a new version of the latest one.".to_string()
            }
            RefusalCode::NotReportPeriod { cycle } => format!(
                "The report's period is not one period of the reporting cycle in force ({cycle}): choose its first to last day."
            ),
            RefusalCode::NotPeriodStart { cycle } => format!(
                "The reporting cycle can change only where a period starts (choose the first day of a period of {cycle})."
            ),
            RefusalCode::CycleBeforeCurrentPeriod => "The reporting cycle cannot change from before the current period's first day (the periods of reports submitted would change).".to_string(),
            RefusalCode::BreakAlreadyHandled => "This exception's handling is recorded already: record a further step after the latest one.".to_string(),
            RefusalCode::NotARuleBreak => "The record named is not an exception of this room.".to_string(),
            RefusalCode::EndsBeforeStart => "The end is earlier than the start.".to_string(),
            RefusalCode::RecordTooLarge { kib, max_kib } => format!(
                "The record is too large ({kib} KiB): one record takes at most {max_kib} KiB. Shorten the text or record it in parts."
            ),
            RefusalCode::UnstorableCharacter => "The record contains a control character (NUL) that cannot be stored: check the pasted text.".to_string(),
            RefusalCode::PositionAlreadyHeld { holder } => format!(
                "{holder} holds this position during that term: one holder at a time. End the predecessor's term first."
            ),
            RefusalCode::NotInRole { role } => {
                format!("Only the {} may do this.", lower_first(role))
            }
            RefusalCode::VisitPermitOnlyForLevel3 => {
                "Per-visit entry permissions are given for level 3 rooms.".to_string()
            }
            RefusalCode::UnknownPermit => "No such permission.".to_string(),
            RefusalCode::PermitAlreadyRevoked => "This permission is revoked already.".to_string(),
            RefusalCode::UnknownKey => "Choose a key.".to_string(),
            RefusalCode::KeyNotForThisLevel => {
                "The key logbook covers the keys of level 3 and level 2 rooms only.".to_string()
            }
            RefusalCode::NotPermitted { .. } => {
                "This person holds no prior entry permission for this room valid at this time. Record the entry manager's permission first.".to_string()
            }
            RefusalCode::KeyAlreadyOut { holder } => {
                format!("This key is lent to {holder}: record its return before lending it.")
            }
            RefusalCode::KeyNotOut => "This key is not lent out.".to_string(),
            RefusalCode::UnknownPerson => {
                "Choose the person entering from the staff and visitors register.".to_string()
            }
            RefusalCode::KeyNotHeld { level: 3 } => {
                "No key was lent for this entry. A level 3 room is entered with permission and a key lent for each entry (a loan after the previous entry is needed).".to_string()
            }
            RefusalCode::KeyNotHeld { .. } => {
                "This room's key is not lent to this person: borrow the key before entering.".to_string()
            }
            RefusalCode::EscortRequired { since } => format!(
                "Under the entry manager's measure (from {since}), a visitor to this room must be escorted by a staff member permitted to enter. Choose the escort."
            ),
            RefusalCode::EscortNotPermitted { since } => format!(
                "Under the entry manager's measure (from {since}), the escort must be a staff member permitted to enter this room."
            ),
            RefusalCode::VisitPermitRequired { since } => format!(
                "Under the entry manager's measure (from {since}), this room needs a permission for each entry (per-visit permission): a standing permission is not enough."
            ),
            RefusalCode::KeyKeeperNotStaff => "Appoint a staff member as key keeper.".to_string(),
            RefusalCode::MeasureBackdated => {
                "A measure takes effect from the day it is recorded or later, never earlier."
                    .to_string()
            }
            RefusalCode::NotKeyHandler { manager } => format!(
                "Only the room's entry manager ({manager}) or a key keeper they appointed may record lending its keys and taking them back."
            ),
            RefusalCode::HandledByAnother => {
                "The lender or receiver is recorded as the person signed in.".to_string()
            }
            RefusalCode::KeyInConflict => {
                "This key was also lent to someone else at the same time (lent on two devices offline): it admits no one until the entry manager records which loan was real.".to_string()
            }
            RefusalCode::Missing { what } => format!("Enter {}.", lower_first(what)),
            RefusalCode::UnknownRecord { what } => format!("{} not found.", upper_first(what)),
            RefusalCode::WrongState { what, state } => format!(
                "This {} is {}, so this cannot be done.",
                lower_first(what),
                lower_first(state)
            ),
            RefusalCode::NotPersonalData => {
                "Handlers are designated only for assets of personal data (identity data and the like).".to_string()
            }
            RefusalCode::NotStaff => {
                "Only those registered as staff may record this: check the staff register.".to_string()
            }
            RefusalCode::NoOperatorId { act, kinds } => format!(
                "Only holders of an active operator ID ({kinds}) may do this: {}. Check the operator IDs of the person signed in in the operator ID ledger.",
                lower_first(act)
            ),
            RefusalCode::PinMalformed => "Make the PIN 4 to 8 digits.".to_string(),
            RefusalCode::CollationFailed { reason } => {
                format!("Collation (biometric) authentication failed. {reason}")
            }
        };
        match self.article {
            Some(article) => format!("{text} ({})", article.en()),
            None => text,
        }
    }
}

/// `text` inside an English sentence: "Start date" → "start date" (an initialism such as
/// "PIN" or "ID ledgers" stays as it is).
fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(first), second) if !second.is_some_and(char::is_uppercase) => first
            .to_lowercase()
            .chain(chars_after(text, first))
            .collect(),
        _ => text.to_string(),
    }
}

/// `text` starting a sentence: "report" → "Report".
fn upper_first(text: &str) -> String {
    match text.chars().next() {
        Some(first) => first
            .to_uppercase()
            .chain(chars_after(text, first))
            .collect(),
        None => String::new(),
    }
}

fn chars_after(text: &str, first: char) -> std::str::Chars<'_> {
    text[first.len_utf8()..].chars()
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

/// Every reason an input was refused, so a form can show all of them at once.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Refusals(pub Vec<Refusal>);

impl Refusals {
    pub fn push(&mut self, refusal: Refusal) {
        self.0.push(refusal);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when nothing was refused.
    pub fn into_result(self) -> Result<(), Refusals> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }

    pub fn for_field(&self, field: Field) -> impl Iterator<Item = &Refusal> {
        self.0.iter().filter(move |r| r.field == field)
    }

    pub fn has(&self, field: Field) -> bool {
        self.for_field(field).next().is_some()
    }
}

impl fmt::Display for Refusals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let messages: Vec<String> = self.0.iter().map(Refusal::message).collect();
        f.write_str(&messages.join(" "))
    }
}

impl std::error::Error for Refusals {}
