//! Reading a register by year: the town's fiscal year (年度, April to March) or the calendar
//! year, named in 和暦 with the Western year beside it.

use crate::tr;
use crate::wareki::WarekiDate;
use chrono::{Datelike, NaiveDate};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YearKind {
    /// 年度: 1 April to 31 March, named by the year it starts in.
    Fiscal,
    /// 暦年: 1 January to 31 December.
    Calendar,
}

impl YearKind {
    /// The (Western) year `date` falls in.
    pub fn year_of(self, date: NaiveDate) -> i32 {
        match self {
            YearKind::Fiscal if date.month() < 4 => date.year() - 1,
            _ => date.year(),
        }
    }

    fn first_day(self, year: i32) -> Option<NaiveDate> {
        match self {
            YearKind::Fiscal => NaiveDate::from_ymd_opt(year, 4, 1),
            YearKind::Calendar => NaiveDate::from_ymd_opt(year, 1, 1),
        }
    }

    fn last_day(self, year: i32) -> Option<NaiveDate> {
        match self {
            YearKind::Fiscal => NaiveDate::from_ymd_opt(year + 1, 3, 31),
            YearKind::Calendar => NaiveDate::from_ymd_opt(year, 12, 31),
        }
    }

    /// 令和8年度（2026年度）/ 令和8年（2026年）. A year an era began in is named by the new era
    /// (2019 → 令和元年度), unless the new era began after the year's own start (1988年度, whose
    /// last months fell in 平成, stays 昭和63年度).
    pub fn label_text(self, year: i32) -> String {
        let western = match self {
            YearKind::Fiscal => tr!("%{year}年度", year = year),
            YearKind::Calendar => tr!("%{year}年", year = year),
        };
        if crate::lang::is_english() {
            return western.into_owned();
        }
        // ja-only-begin: 和暦 years are Japanese notation (English shows the Western year)
        let suffix = match self {
            YearKind::Fiscal => "年度",
            YearKind::Calendar => "年",
        };
        // ja-only-end
        let era_year = |day: Option<NaiveDate>| {
            let day = day?;
            let w = WarekiDate::from_date(day)?;
            let n = w.year - (day.year() - year);
            (n >= 1).then_some((w.era, n))
        };
        match era_year(self.last_day(year)).or_else(|| era_year(self.first_day(year))) {
            // ja-only: 元年, the first year of an era, in 和暦 notation
            Some((era, 1)) => format!("{}元{suffix}（{western}）", era.name()),
            Some((era, n)) => format!("{}{n}{suffix}（{western}）", era.name()),
            None => western.into_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_fiscal_year_starts_in_april() {
        assert_eq!(YearKind::Fiscal.year_of(day(2026, 3, 31)), 2025);
        assert_eq!(YearKind::Fiscal.year_of(day(2026, 4, 1)), 2026);
        assert_eq!(YearKind::Calendar.year_of(day(2026, 3, 31)), 2026);
    }

    #[test]
    fn years_are_named_in_wareki_with_the_western_year() {
        assert_eq!(YearKind::Fiscal.label_text(2026), "令和8年度（2026年度）");
        assert_eq!(YearKind::Calendar.label_text(2026), "令和8年（2026年）");
        assert_eq!(YearKind::Fiscal.label_text(2019), "令和元年度（2019年度）");
        assert_eq!(YearKind::Calendar.label_text(2019), "令和元年（2019年）");
        assert_eq!(YearKind::Fiscal.label_text(1988), "昭和63年度（1988年度）");
        assert_eq!(YearKind::Calendar.label_text(1989), "平成元年（1989年）");
        assert_eq!(YearKind::Calendar.label_text(1850), "1850年");
    }
}
