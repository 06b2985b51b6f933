//! Articles of the regulation, so that every refusal can say which rule it applies.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An article (条) and, where it matters, its paragraph (項).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Article {
    pub number: u8,
    pub paragraph: Option<u8>,
}

impl Article {
    pub const fn new(number: u8) -> Self {
        Article {
            number,
            paragraph: None,
        }
    }

    pub const fn paragraph(number: u8, paragraph: u8) -> Self {
        Article {
            number,
            paragraph: Some(paragraph),
        }
    }

    /// 第17条第2項: rooms by level, name tags, entry only with permission.
    pub const ENTRY_RULES: Article = Article::paragraph(17, 2);
    /// 第18条第1項: who the entry manager of each kind of room is.
    pub const ENTRY_MANAGER: Article = Article::paragraph(18, 1);
    /// 第18条第2項: the entry manager's necessary measures (what a town adds to the text).
    pub const ENTRY_MEASURES: Article = Article::paragraph(18, 2);
    /// 第18条第3項: the entry manager manages the keys.
    pub const KEYS: Article = Article::paragraph(18, 3);
    /// 第18条第4項: keys of level-3 and level-2 rooms only to permitted persons.
    pub const KEY_LENDING: Article = Article::paragraph(18, 4);
    /// 第19条第1項: an entry/exit logbook for every room of levels 3 to 1.
    pub const ENTRY_LOGBOOK: Article = Article::paragraph(19, 1);
    /// 第19条第2項: a key logbook for every room of levels 3 and 2.
    pub const KEY_LOGBOOK: Article = Article::paragraph(19, 2);
}

impl fmt::Display for Article {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "第{}条", self.number)?;
        if let Some(p) = self.paragraph {
            write!(f, "第{p}項")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_as_the_regulation_writes_it() {
        assert_eq!(Article::new(12).to_string(), "第12条");
        assert_eq!(Article::ENTRY_RULES.to_string(), "第17条第2項");
    }
}
