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

impl Article {
    /// 第17条第2項, as the regulation writes it: the Japanese messages (`message_ja`) cite it
    /// so, whatever the reader's language.
    pub fn ja(&self) -> String {
        // ja-only-begin: the regulation's own notation, for the Japanese-only messages
        match self.paragraph {
            Some(p) => format!("第{}条第{p}項", self.number),
            None => format!("第{}条", self.number),
        }
        // ja-only-end
    }

    /// Article 17(2), as English cites it.
    pub fn en(&self) -> String {
        match self.paragraph {
            Some(p) => format!("Article {}({p})", self.number),
            None => format!("Article {}", self.number),
        }
    }
}

/// The article in the reader's language (`lang`): 第17条第2項, or Article 17(2).
impl fmt::Display for Article {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::lang::pick(|| self.ja(), || self.en()))
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

    #[test]
    fn read_in_the_readers_language() {
        use crate::lang::{self, Lang};
        let shown = |lang| lang::with(lang, || Article::ENTRY_RULES.to_string());
        assert_eq!(shown(Lang::Ja), "第17条第2項");
        assert_eq!(shown(Lang::En), "Article 17(2)");
        assert_eq!(
            lang::with(Lang::En, || Article::new(4).to_string()),
            "Article 4"
        );
        assert_eq!(
            lang::with(Lang::En, || Article::ENTRY_RULES.ja()),
            "第17条第2項"
        );
    }
}
