//! French first, English switchable; follows the browser's (the OS's) language.

mod alerts;
mod data;
mod forecasts;
mod general;
mod review;
mod vision;

/// A UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Français.
    Fr,
    /// English.
    En,
}

const KEY: &str = "animov.lang";

impl Lang {
    /// The saved choice, else the OS language (French unless it is English).
    pub fn initial() -> Lang {
        let w = web_sys::window();
        let saved = w
            .as_ref()
            .and_then(|w| w.local_storage().ok().flatten())
            .and_then(|s| s.get_item(KEY).ok().flatten());
        let code = saved
            .or_else(|| w.and_then(|w| w.navigator().language()))
            .unwrap_or_default();
        if code.starts_with("en") {
            Lang::En
        } else {
            Lang::Fr
        }
    }

    /// Remembers the choice.
    pub fn save(self) {
        if let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
            let _ = s.set_item(KEY, self.code());
        }
    }

    /// `fr` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }
}

/// The text of `key` in `lang` (`?` for a key no table has).
pub fn t(lang: Lang, key: &str) -> &'static str {
    let (fr, en) = general::text(key)
        .or_else(|| alerts::text(key))
        .or_else(|| review::text(key))
        .or_else(|| vision::text(key))
        .or_else(|| forecasts::text(key))
        .or_else(|| data::text(key))
        .unwrap_or(("?", "?"));
    match lang {
        Lang::Fr => fr,
        Lang::En => en,
    }
}
