//! Text in both languages of the course: Kazakh (the lecture's) and English.

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Kk,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Kk, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Kk => "kk",
            Lang::En => "en",
        }
    }
}

/// A sentence or label in both languages.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Text {
    pub kk: String,
    pub en: String,
}

impl Text {
    pub fn new(kk: impl Into<String>, en: impl Into<String>) -> Text {
        Text { kk: kk.into(), en: en.into() }
    }

    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Kk => &self.kk,
            Lang::En => &self.en,
        }
    }
}

/// `Text::new` with format arguments shared by both languages.
#[macro_export]
macro_rules! t {
    ($kk:literal, $en:literal $(, $arg:expr)* $(,)?) => {
        $crate::text::Text::new(format!($kk $(, $arg)*), format!($en $(, $arg)*))
    };
}

/// `Text::new` whose arguments are themselves `Text`s, each language taking its own: for numbers already
/// written with their units (`Unit::Ms.text(v)`), which differ between the languages.
#[macro_export]
macro_rules! tl {
    ($kk:literal, $en:literal $(, $arg:expr)* $(,)?) => {
        $crate::text::Text::new(format!($kk $(, $arg.kk)*), format!($en $(, $arg.en)*))
    };
}
