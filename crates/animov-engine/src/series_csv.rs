//! 15-minute series CSV files, as analysts export them: `timestamp` (ISO
//! 8601 UTC on a 15-minute boundary), `source`, and per-bucket values (empty,
//! `nan` or `null` = missing). Read by `animov forecast eval` and `animov
//! alerts replay`; every refusal names the line and the column.

use std::io::Read;

use animov_core::time::QUARTER_MS;
use serde::Deserialize;

/// One line of a series CSV (the columns a reader needs are checked first).
#[derive(Debug, Deserialize)]
pub struct SeriesRecord {
    /// Bucket start.
    pub timestamp: String,
    /// The source.
    pub source: String,
    /// Standing share, %.
    #[serde(default)]
    pub ratio_standing: Option<String>,
    /// Median of goats seen.
    #[serde(default)]
    pub total: Option<String>,
}

/// A series CSV that cannot be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SeriesCsvError {
    /// The header line is unreadable.
    #[error("cannot read the CSV header: {0}")]
    Header(String),
    /// A needed column is missing.
    #[error("the CSV has no column {name:?} (needs {needs})")]
    MissingColumn {
        /// The missing column.
        name: String,
        /// Every column needed.
        needs: String,
    },
    /// No line after the header.
    #[error("the CSV has no rows")]
    Empty,
    /// The times run over too long a span (a wrong date, most likely).
    #[error(
        "the file's times run from {first} to {last}, {days} days: at most {MAX_SPAN_DAYS} days are read — is a date wrong?"
    )]
    Span {
        /// The first time, ISO 8601.
        first: String,
        /// The last time, ISO 8601.
        last: String,
        /// Days between them.
        days: i64,
    },
    /// A line is wrong.
    #[error("line {line}: {reason}")]
    Line {
        /// 1-based line number (1 = the header).
        line: usize,
        /// What is wrong.
        reason: String,
    },
}

/// The lines of a series CSV that has every column of `needs`, with their line numbers.
pub fn records(
    input: impl Read,
    needs: &[&str],
) -> Result<Vec<(usize, SeriesRecord)>, SeriesCsvError> {
    let mut r = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(input);
    let headers = r
        .headers()
        .map_err(|e| SeriesCsvError::Header(e.to_string()))?
        .clone();
    if let Some(name) = needs.iter().find(|n| !headers.iter().any(|h| h == **n)) {
        return Err(SeriesCsvError::MissingColumn {
            name: (*name).to_string(),
            needs: needs.join(", "),
        });
    }
    let mut out = Vec::new();
    for (i, rec) in r.deserialize::<SeriesRecord>().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| SeriesCsvError::Line {
            line,
            reason: e.to_string(),
        })?;
        out.push((line, rec));
    }
    if out.is_empty() {
        return Err(SeriesCsvError::Empty);
    }
    Ok(out)
}

/// Longest span a series file may cover, first to last bucket over all its
/// sources: 10 years of 15-minute buckets is 350 000 values per source.
/// Readers lay the buckets on a grid from the first to the last, so a file
/// with one wrong date (year 1 and year 9999) would otherwise exhaust memory.
pub const MAX_SPAN_DAYS: i64 = 3660;

/// Refuses bucket times `ts` (any order) spanning more than [`MAX_SPAN_DAYS`].
pub fn check_span(ts: impl IntoIterator<Item = i64>) -> Result<(), SeriesCsvError> {
    let (mut first, mut last) = (i64::MAX, i64::MIN);
    for t in ts {
        first = first.min(t);
        last = last.max(t);
    }
    if first > last {
        return Ok(());
    }
    let days = (i128::from(last) - i128::from(first)) / i128::from(animov_core::time::DAY_MS);
    if days > i128::from(MAX_SPAN_DAYS) {
        return Err(SeriesCsvError::Span {
            first: animov_core::time::iso_utc(first),
            last: animov_core::time::iso_utc(last),
            days: i64::try_from(days).unwrap_or(i64::MAX),
        });
    }
    Ok(())
}

/// UTC ms of an RFC 3339 / ISO 8601 time with its offset (`…Z`, `…+01:00`).
pub fn parse_utc(raw: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(raw.trim())
        .ok()
        .map(|t| t.timestamp_millis())
}

/// A bucket's start from an ISO 8601 UTC timestamp on a 15-minute boundary.
pub fn bucket_ts(raw: &str, line: usize) -> Result<i64, SeriesCsvError> {
    let bad = |reason: String| SeriesCsvError::Line { line, reason };
    let ts = chrono::DateTime::parse_from_rfc3339(raw.trim())
        .map_err(|e| bad(format!("timestamp {raw:?} is not ISO 8601 ({e})")))?
        .timestamp_millis();
    if ts.rem_euclid(QUARTER_MS) != 0 {
        return Err(bad("timestamp is not on a 15-minute boundary".into()));
    }
    Ok(ts)
}

/// A number, or `None` for an absent, empty, `nan` or `null` field.
pub fn optional_number(
    raw: Option<&str>,
    line: usize,
    column: &str,
) -> Result<Option<f64>, SeriesCsvError> {
    let raw = raw.unwrap_or("").trim();
    if raw.is_empty() || raw.eq_ignore_ascii_case("nan") || raw.eq_ignore_ascii_case("null") {
        return Ok(None);
    }
    raw.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(Some)
        .ok_or_else(|| SeriesCsvError::Line {
            line,
            reason: format!("{column} {raw:?} is not a number"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_date_cannot_make_a_grid_of_millennia() {
        let day = animov_core::time::DAY_MS;
        assert_eq!(check_span([0, 5 * day, 3660 * day]), Ok(()));
        assert_eq!(check_span(std::iter::empty()), Ok(()));
        let first = bucket_ts("0001-01-01T00:00:00Z", 2).unwrap();
        let last = bucket_ts("9999-12-31T23:45:00Z", 3).unwrap();
        let e = check_span([last, first]).unwrap_err().to_string();
        assert!(
            e.contains("0001-01-01") && e.contains("is a date wrong"),
            "{e}"
        );
    }

    #[test]
    fn reads_lines_and_names_what_is_wrong() {
        let csv = "timestamp,source,ratio_standing\n2026-11-01T00:15:00Z, a ,nan\n";
        let recs = records(csv.as_bytes(), &["timestamp", "source"]).unwrap();
        assert_eq!(recs[0].0, 2);
        assert_eq!(recs[0].1.source, "a");
        assert_eq!(
            optional_number(recs[0].1.ratio_standing.as_deref(), 2, "ratio_standing"),
            Ok(None)
        );
        assert_eq!(bucket_ts(&recs[0].1.timestamp, 2), Ok(1_793_492_100_000));
        let e = records(csv.as_bytes(), &["timestamp", "total"]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the CSV has no column \"total\" (needs timestamp, total)"
        );
        assert_eq!(
            records("timestamp,source\n".as_bytes(), &["timestamp"]).unwrap_err(),
            SeriesCsvError::Empty
        );
        assert_eq!(
            optional_number(Some("x"), 3, "total")
                .unwrap_err()
                .to_string(),
            "line 3: total \"x\" is not a number"
        );
        assert!(
            bucket_ts("2026-11-01T00:07:00Z", 4)
                .unwrap_err()
                .to_string()
                .contains("line 4")
        );
    }
}
