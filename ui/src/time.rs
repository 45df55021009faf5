//! Times are UTC milliseconds on the wire and shown in the computer's local time.

use js_sys::Date;
use wasm_bindgen::JsValue;

fn date(ms: i64) -> Date {
    Date::new(&JsValue::from_f64(ms as f64))
}

/// Now, UTC ms.
pub fn now_ms() -> i64 {
    Date::now() as i64
}

/// `HH:MM` local.
pub fn hm(ms: i64) -> String {
    let d = date(ms);
    format!("{:02}:{:02}", d.get_hours(), d.get_minutes())
}

/// `HH:MM:SS` local.
pub fn hm_s(ms: i64) -> String {
    let d = date(ms);
    format!(
        "{:02}:{:02}:{:02}",
        d.get_hours(),
        d.get_minutes(),
        d.get_seconds()
    )
}

/// `YYYY-MM-DD HH:MM` local.
pub fn ymd_hm(ms: i64) -> String {
    format!("{} {}", ymd(ms), hm(ms))
}

/// `YYYY-MM-DD` local (the value of a date input).
pub fn ymd(ms: i64) -> String {
    let d = date(ms);
    format!(
        "{:04}-{:02}-{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date()
    )
}

/// Local midnight starting the day of `ms`.
pub fn local_midnight(ms: i64) -> i64 {
    let d = date(ms);
    d.set_hours(0);
    d.set_minutes(0);
    d.set_seconds(0);
    d.set_milliseconds(0);
    d.get_time() as i64
}

/// Local midnight of a `YYYY-MM-DD` date input, if valid.
pub fn parse_ymd(s: &str) -> Option<i64> {
    let mut it = s.split('-').map(|p| p.parse::<i32>().ok());
    let (y, m, d) = (it.next()??, it.next()??, it.next()??);
    let t = Date::new_with_year_month_day(y as u32, m - 1, d).get_time();
    (!t.is_nan()).then_some(t as i64)
}

/// The next local midnight after the one at `midnight_ms` (handles 23/25-hour days).
pub fn next_day(midnight_ms: i64) -> i64 {
    local_midnight(midnight_ms + 36 * 3_600_000)
}
