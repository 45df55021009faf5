//! UTC millisecond arithmetic, the farm's local hours (a fixed offset from
//! UTC), and the few date formats people read.

/// One minute in ms.
pub const MINUTE_MS: i64 = 60_000;
/// One hour in ms.
pub const HOUR_MS: i64 = 3_600_000;
/// One day in ms.
pub const DAY_MS: i64 = 86_400_000;
/// A quarter hour in ms: the bucket of the 15-minute series, forecasts and
/// alert rules (the API's `15m` bucket).
pub const QUARTER_MS: i64 = animov_api::Bucket::M15.millis();

/// Times clients may send: from 1970-01-01 up to (not including)
/// 10000-01-01, in UTC milliseconds — anything else is a mistake, and
/// keeping to this range lets window arithmetic never overflow.
pub const TIME_RANGE_MS: std::ops::Range<i64> = 0..253_402_300_800_000;

/// Start of the `width_ms` bucket holding `ts_ms` (buckets aligned on the Unix epoch, UTC).
pub fn floor_to(ts_ms: i64, width_ms: i64) -> i64 {
    ts_ms.div_euclid(width_ms) * width_ms
}

/// Start of the UTC minute holding `ts_ms`.
pub fn minute_of(ts_ms: i64) -> i64 {
    floor_to(ts_ms, MINUTE_MS)
}

/// `YYYY-MM-DD` of the UTC day starting at (or holding) `ts_ms`.
pub fn utc_date(ts_ms: i64) -> String {
    let days = ts_ms.div_euclid(DAY_MS);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Local hour (0–23) of a UTC time.
pub fn local_hour(ts_ms: i64, utc_offset_min: i32) -> u32 {
    ((ts_ms + i64::from(utc_offset_min) * MINUTE_MS).rem_euclid(DAY_MS) / HOUR_MS) as u32
}

/// Start (UTC ms) of the local day holding `ts_ms`.
pub fn local_day_start(ts_ms: i64, utc_offset_min: i32) -> i64 {
    let off = i64::from(utc_offset_min) * MINUTE_MS;
    floor_to(ts_ms + off, DAY_MS) - off
}

/// Whether `hour` lies in `[start, end)`, wrapping past midnight when `start > end`.
pub fn in_hours(hour: u32, start: u32, end: u32) -> bool {
    if start <= end {
        (start..end).contains(&hour)
    } else {
        hour >= start || hour < end
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` (ISO 8601, UTC, whole seconds).
pub fn iso_utc(ts_ms: i64) -> String {
    let (y, mo, d, h, mi, s) = fields(ts_ms);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// `DD/MM/YYYY HH:MM` in the farm's local time (`utc_offset_min` from UTC).
pub fn local_dmy_hm(ts_ms: i64, utc_offset_min: i32) -> String {
    let (y, mo, d, h, mi, _) = fields(ts_ms + i64::from(utc_offset_min) * MINUTE_MS);
    format!("{d:02}/{mo:02}/{y:04} {h:02}:{mi:02}")
}

/// (year, month, day, hour, minute, second) of a UTC time.
fn fields(ts_ms: i64) -> (i64, u32, u32, i64, i64, i64) {
    let (y, mo, d) = civil_from_days(ts_ms.div_euclid(DAY_MS));
    let secs = ts_ms.rem_euclid(DAY_MS) / 1000;
    (y, mo, d, secs / 3600, secs / 60 % 60, secs % 60)
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floors_negative_and_positive_times() {
        assert_eq!(minute_of(59_999), 0);
        assert_eq!(minute_of(60_000), 60_000);
        assert_eq!(minute_of(-1), -60_000);
        assert_eq!(
            floor_to(1_732_868_099_999, 15 * MINUTE_MS),
            1_732_867_200_000
        );
    }

    #[test]
    fn formats_times_for_people() {
        assert_eq!(iso_utc(1_732_867_200_000), "2024-11-29T08:00:00Z");
        assert_eq!(iso_utc(1_732_867_259_999), "2024-11-29T08:00:59Z");
        assert_eq!(iso_utc(-1_000), "1969-12-31T23:59:59Z");
        assert_eq!(local_dmy_hm(1_732_867_200_000, 60), "29/11/2024 09:00");
        assert_eq!(local_dmy_hm(1_732_921_200_000, 60), "30/11/2024 00:00");
        assert_eq!(local_dmy_hm(1_732_867_200_000, -540), "28/11/2024 23:00");
    }

    #[test]
    fn local_hours_follow_the_offset_and_wrap_past_midnight() {
        let day0 = 1_732_838_400_000; // a UTC midnight
        assert!(in_hours(23, 22, 5) && in_hours(0, 22, 5) && !in_hours(5, 22, 5));
        assert!(in_hours(7, 7, 20) && !in_hours(20, 7, 20));
        assert_eq!(local_hour(day0 + 23 * HOUR_MS, 60), 0);
        assert_eq!(
            local_day_start(day0 + 23 * HOUR_MS + 1, 60),
            day0 + 23 * HOUR_MS
        );
    }

    #[test]
    fn formats_utc_dates() {
        assert_eq!(utc_date(0), "1970-01-01");
        assert_eq!(utc_date(1_732_867_200_000), "2024-11-29");
        assert_eq!(utc_date(951_782_400_000), "2000-02-29");
        assert_eq!(utc_date(-1), "1969-12-31");
    }
}
