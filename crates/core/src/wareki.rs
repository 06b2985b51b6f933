//! Dates as the town writes them: 和暦 (令和7年4月1日, first year 元年) in Japan Standard Time,
//! with the Western date at hand.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Utc};
use std::fmt;

/// The eras a record of the town can fall in (seven years of history reach back into 平成).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Era {
    Meiji,
    Taisho,
    Showa,
    Heisei,
    Reiwa,
}

impl Era {
    /// The era's name: 和暦 is Japanese notation (English readers see ISO dates, `day_text`).
    pub fn name(self) -> &'static str {
        // ja-only-begin: the eras' names, 和暦 being Japanese notation only
        match self {
            Era::Meiji => "明治",
            Era::Taisho => "大正",
            Era::Showa => "昭和",
            Era::Heisei => "平成",
            Era::Reiwa => "令和",
        }
        // ja-only-end
    }

    /// First day of each era, newest first. 明治 counts from the adoption of the Gregorian
    /// calendar (明治6年), as dates before it were not Gregorian.
    fn starts() -> [(Era, NaiveDate, i32); 5] {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("valid era start");
        [
            (Era::Reiwa, d(2019, 5, 1), 2019),
            (Era::Heisei, d(1989, 1, 8), 1989),
            (Era::Showa, d(1926, 12, 25), 1926),
            (Era::Taisho, d(1912, 7, 30), 1912),
            (Era::Meiji, d(1873, 1, 1), 1868),
        ]
    }
}

/// A date in 和暦.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WarekiDate {
    pub era: Era,
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl WarekiDate {
    /// `None` before 明治6年 (1873), where the Western date is shown alone.
    pub fn from_date(date: NaiveDate) -> Option<WarekiDate> {
        Era::starts()
            .into_iter()
            .find(|(_, start, _)| date >= *start)
            .map(|(era, _, first_year)| WarekiDate {
                era,
                year: date.year() - first_year + 1,
                month: date.month(),
                day: date.day(),
            })
    }
}

/// 令和8年12月6日: 和暦 is Japanese notation only (English readers see ISO dates, `day_text`).
impl fmt::Display for WarekiDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // ja-only-begin: 和暦 notation, Japanese only
        f.write_str(self.era.name())?;
        if self.year == 1 {
            f.write_str("元")?;
        } else {
            write!(f, "{}", self.year)?;
        }
        write!(f, "年{}月{}日", self.month, self.day)
        // ja-only-end
    }
}

/// Japan Standard Time, the town's time zone whatever the device is set to.
pub fn jst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("UTC+9 is a valid offset")
}

pub fn to_jst(at: DateTime<Utc>) -> DateTime<FixedOffset> {
    at.with_timezone(&jst())
}

/// 令和8年11月26日 (the Western date alone before 明治6年).
pub fn date_ja(at: DateTime<Utc>) -> String {
    day_ja(to_jst(at).date_naive())
}

/// A calendar day as `date_ja` writes it.
pub fn day_ja(day: NaiveDate) -> String {
    match WarekiDate::from_date(day) {
        Some(w) => w.to_string(),
        None => day.format("%Y-%m-%d").to_string(),
    }
}

/// 令和8年11月26日 11:47
pub fn datetime_ja(at: DateTime<Utc>) -> String {
    format!("{} {}", date_ja(at), time_ja(at))
}

/// A day as the reader's language writes it: 和暦 in Japanese, ISO 8601 in English.
pub fn day_text(day: NaiveDate) -> String {
    crate::lang::pick(|| day_ja(day), || day.format("%Y-%m-%d").to_string())
}

/// The JST date of `at` as `day_text` writes it.
pub fn date_text(at: DateTime<Utc>) -> String {
    day_text(to_jst(at).date_naive())
}

/// The JST date and time of `at` as `day_text` writes the date: 令和8年11月26日 11:47, or
/// 2026-11-26 11:47.
pub fn datetime_text(at: DateTime<Utc>) -> String {
    format!("{} {}", date_text(at), time_ja(at))
}

/// 11:47
pub fn time_ja(at: DateTime<Utc>) -> String {
    to_jst(at).format("%H:%M").to_string()
}

/// 2026-11-26, the Western date kept at hand beside the 和暦.
pub fn date_western(at: DateTime<Utc>) -> String {
    to_jst(at).format("%Y-%m-%d").to_string()
}

/// The value of an `<input type="datetime-local">` for `at`, in JST: `2026-11-26T11:47`.
pub fn jst_input_value(at: DateTime<Utc>) -> String {
    to_jst(at).format("%Y-%m-%dT%H:%M").to_string()
}

/// Reads an `<input type="datetime-local">` value as a JST time (seconds optional).
pub fn parse_jst_input(value: &str) -> Option<DateTime<Utc>> {
    let naive = chrono::NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    naive
        .and_local_timezone(jst())
        .single()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn datetime_inputs_are_read_and_written_in_jst() {
        let at = Utc.with_ymd_and_hms(2026, 11, 26, 2, 47, 0).unwrap();
        assert_eq!(jst_input_value(at), "2026-11-26T11:47");
        assert_eq!(parse_jst_input("2026-11-26T11:47"), Some(at));
        assert_eq!(parse_jst_input("2026-11-26T11:47:00"), Some(at));
        assert_eq!(parse_jst_input(""), None);
        assert_eq!(parse_jst_input("昨日"), None);
    }

    fn wareki(y: i32, m: u32, d: u32) -> String {
        WarekiDate::from_date(NaiveDate::from_ymd_opt(y, m, d).unwrap())
            .unwrap()
            .to_string()
    }

    #[test]
    fn era_boundaries_are_exact() {
        assert_eq!(wareki(2019, 4, 30), "平成31年4月30日");
        assert_eq!(wareki(2019, 5, 1), "令和元年5月1日");
        assert_eq!(wareki(2019, 12, 31), "令和元年12月31日");
        assert_eq!(wareki(2020, 1, 1), "令和2年1月1日");
        assert_eq!(wareki(1989, 1, 7), "昭和64年1月7日");
        assert_eq!(wareki(1989, 1, 8), "平成元年1月8日");
        assert_eq!(wareki(1926, 12, 24), "大正15年12月24日");
        assert_eq!(wareki(1926, 12, 25), "昭和元年12月25日");
        assert_eq!(wareki(1912, 7, 29), "明治45年7月29日");
        assert_eq!(wareki(1912, 7, 30), "大正元年7月30日");
    }

    #[test]
    fn the_regulation_dates() {
        assert_eq!(wareki(2009, 10, 5), "平成21年10月5日");
        assert_eq!(wareki(2024, 3, 29), "令和6年3月29日");
    }

    #[test]
    fn before_meiji_6_has_no_wareki() {
        assert!(WarekiDate::from_date(NaiveDate::from_ymd_opt(1872, 12, 31).unwrap()).is_none());
    }

    #[test]
    fn times_are_shown_in_jst_whatever_the_instant() {
        // 2019-04-30 15:30 UTC is already 2019-05-01 00:30 in Japan: the first day of 令和.
        let at = Utc.with_ymd_and_hms(2019, 4, 30, 15, 30, 0).unwrap();
        assert_eq!(datetime_ja(at), "令和元年5月1日 00:30");
        assert_eq!(date_western(at), "2019-05-01");
    }
}
