//! Import of the INRA CSV exports: one row per analysed frame, a date/time
//! column and the counts "Effectif couche" (lying) and "Effectif debout"
//! (standing). Files are named `*-1.csv`, `*-2.csv`, ... per camera.

use std::{io::Read, path::Path};

use animov_api::{IngestFrame, SourceKind};
use animov_core::ingest::validate_frame;
use animov_store::{NewFrame, Store};
use chrono::NaiveDateTime;

use crate::EngineError;

/// A row that was not imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// Line number in the file (1 = header).
    pub line: u64,
    /// Why.
    pub reason: String,
}

/// What reading a CSV gave.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Parsed {
    /// Good rows.
    pub frames: Vec<NewFrame>,
    /// Refused rows, with reasons.
    pub rejected: Vec<Rejected>,
}

/// A file that cannot be read as an INRA export at all.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CsvError {
    /// Empty file.
    #[error("the file is empty")]
    Empty,
    /// A needed column is missing.
    #[error(
        "no {0} column: expected a header with a date column and \"Effectif couche\" and \"Effectif debout\""
    )]
    MissingColumn(&'static str),
    /// The CSV itself is broken.
    #[error("cannot read the CSV: {0}")]
    Malformed(String),
}

/// The source of a file named `*-N.csv` (`cam-N`), if it follows that pattern.
pub fn source_for_path(path: &Path) -> Option<String> {
    let stem = path.file_stem()?.to_str()?;
    let (_, n) = stem.rsplit_once('-')?;
    (!n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .then(|| format!("cam-{}", n.trim_start_matches('0').max("0")))
}

fn delimiter(header: &str) -> u8 {
    [b';', b'\t', b',']
        .into_iter()
        .max_by_key(|d| header.bytes().filter(|b| b == d).count())
        .unwrap_or(b',')
}

fn parse_time(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%d/%m/%Y %H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%d/%m/%Y %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
}

fn parse_count(s: &str) -> Result<u32, String> {
    let s = s.trim();
    if let Ok(v) = s.parse::<u32>() {
        return Ok(v);
    }
    match s.replace(',', ".").parse::<f64>() {
        Ok(v) if v >= 0.0 && v.fract() == 0.0 && v <= f64::from(u32::MAX) => Ok(v as u32),
        Ok(v) if v < 0.0 => Err(format!("negative count {s:?}")),
        Ok(_) => Err(format!("count {s:?} is not a whole number")),
        Err(_) => Err(format!("count {s:?} is not a number")),
    }
}

/// Reads an INRA CSV. Naive times are local to the farm: `utc_offset_ms` is
/// subtracted to get UTC.
pub fn parse_csv(
    mut input: impl Read,
    utc_offset_ms: i64,
    now_ms: i64,
    max_future_ms: i64,
) -> Result<Parsed, CsvError> {
    let mut text = String::new();
    input
        .read_to_string(&mut text)
        .map_err(|e| CsvError::Malformed(e.to_string()))?;
    let text = text.trim_start_matches('\u{feff}');
    let header = text.lines().next().ok_or(CsvError::Empty)?;
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter(header))
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| CsvError::Malformed(e.to_string()))?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    let find = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
    let date = find(&["date", "datetime", "timestamp", "horodatage", "date_heure"])
        .ok_or(CsvError::MissingColumn("date"))?;
    let time = find(&["heure", "time"]);
    let lying = find(&["effectif couche", "couche", "lying"])
        .ok_or(CsvError::MissingColumn("\"Effectif couche\""))?;
    let standing = find(&["effectif debout", "debout", "standing"])
        .ok_or(CsvError::MissingColumn("\"Effectif debout\""))?;
    let mut out = Parsed::default();
    // 1-based line of a byte offset (the csv crate does not count blank lines).
    // A record's position can point at blank lines before it: skip them.
    let line_at = |byte: u64| {
        let bytes = text.as_bytes();
        let mut at = (byte as usize).min(bytes.len());
        while at < bytes.len() && (bytes[at] == b'\n' || bytes[at] == b'\r') {
            at += 1;
        }
        bytes[..at].iter().filter(|b| **b == b'\n').count() as u64 + 1
    };
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| line_at(p.byte()));
                out.rejected.push(Rejected {
                    line,
                    reason: e.to_string(),
                });
                continue;
            }
        };
        let line = rec.position().map_or(0, |p| line_at(p.byte()));
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let row = (|| -> Result<NewFrame, String> {
            let cell = |k: usize| {
                rec.get(k)
                    .ok_or_else(|| format!("missing column {}", k + 1))
            };
            let when = match time {
                Some(t) => format!("{} {}", cell(date)?.trim(), cell(t)?.trim()),
                None => cell(date)?.to_string(),
            };
            let naive =
                parse_time(&when).ok_or_else(|| format!("cannot read the date {when:?}"))?;
            let ts_ms = naive.and_utc().timestamp_millis() - utc_offset_ms;
            let l = parse_count(cell(lying)?)?;
            let s = parse_count(cell(standing)?)?;
            let f = IngestFrame {
                ts_ms,
                lying: l,
                standing: s,
                detections: None,
            };
            validate_frame(0, &f, now_ms, max_future_ms).map_err(|e| e.message)?;
            Ok(NewFrame {
                ts_ms,
                lying: l,
                standing: s,
                detections: None,
            })
        })();
        match row {
            Ok(f) => out.frames.push(f),
            Err(reason) => out.rejected.push(Rejected { line, reason }),
        }
    }
    Ok(out)
}

/// What importing one file did.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportReport {
    /// Frames stored.
    pub imported: u64,
    /// Frames already stored.
    pub duplicates: u64,
    /// Rows refused, with reasons.
    pub rejected: Vec<Rejected>,
}

/// Imports one file for `source` (registered as an ingest source if new), in
/// transactions of 5 000 frames.
#[tracing::instrument(skip(store), fields(file = %path.display()))]
pub async fn import_file(
    store: &Store,
    path: &Path,
    source: &str,
    utc_offset_ms: i64,
    max_future_ms: i64,
) -> Result<Result<ImportReport, CsvError>, EngineError> {
    let file = std::fs::File::open(path)?;
    let parsed = match parse_csv(
        std::io::BufReader::new(file),
        utc_offset_ms,
        animov_store::now_ms(),
        max_future_ms,
    ) {
        Ok(p) => p,
        Err(e) => return Ok(Err(e)),
    };
    let camera_id = store.ensure_source(source, SourceKind::Ingest).await?;
    let (mut imported, mut duplicates) = (0, 0);
    for chunk in parsed.frames.chunks(5_000) {
        let (a, d) = store.insert_frames(camera_id, chunk).await?;
        imported += a;
        duplicates += d;
    }
    Ok(Ok(ImportReport {
        imported,
        duplicates,
        rejected: parsed.rejected,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000_000;

    #[test]
    fn names_sources_after_the_file_number() {
        assert_eq!(
            source_for_path(Path::new("/x/export_2024-02-19-1.csv")).as_deref(),
            Some("cam-1")
        );
        assert_eq!(
            source_for_path(Path::new("barn-02.csv")).as_deref(),
            Some("cam-2")
        );
        assert_eq!(source_for_path(Path::new("data.csv")), None);
        assert_eq!(source_for_path(Path::new("a-b.csv")), None);
    }

    #[test]
    fn reads_semicolon_exports_and_reports_bad_rows() {
        let csv = "\u{feff}date;Effectif couche;Effectif debout\n\
                   2024-02-19 09:28:09.703;7;12\n\
                   2024-02-19 09:28:10.703;7.0;11\n\
                   pas une date;1;1\n\
                   2024-02-19 09:28:11.703;-1;3\n\
                   2024-02-19 09:28:12.703;2.5;3\n\
                   \n\
                   2024-02-19 09:28:13.703;4\n";
        let p = parse_csv(csv.as_bytes(), 0, NOW, 0).unwrap();
        assert_eq!(p.frames.len(), 2);
        assert_eq!(
            (p.frames[0].ts_ms, p.frames[0].lying, p.frames[0].standing),
            (1_708_334_889_703, 7, 12)
        );
        assert_eq!(p.frames[1].lying, 7);
        let lines: Vec<u64> = p.rejected.iter().map(|r| r.line).collect();
        assert_eq!(lines, [4, 5, 6, 8]);
        assert!(p.rejected[0].reason.contains("date"));
        assert!(p.rejected[1].reason.contains("negative"));
        assert!(p.rejected[2].reason.contains("whole"));
        assert!(p.rejected[3].reason.contains("missing column"));
    }

    #[test]
    fn reads_comma_exports_with_split_date_and_time() {
        let csv = "Date,Heure,Effectif debout,Effectif couche\n19/02/2024,09:28:09,3,4\n";
        let p = parse_csv(csv.as_bytes(), 3_600_000, NOW, 0).unwrap();
        assert_eq!(
            (p.frames[0].ts_ms, p.frames[0].lying, p.frames[0].standing),
            (1_708_334_889_000 - 3_600_000, 4, 3)
        );
    }

    #[test]
    fn refuses_files_without_the_needed_columns() {
        assert_eq!(parse_csv("".as_bytes(), 0, NOW, 0), Err(CsvError::Empty));
        assert_eq!(
            parse_csv("date,x\n".as_bytes(), 0, NOW, 0),
            Err(CsvError::MissingColumn("\"Effectif couche\""))
        );
        assert_eq!(
            parse_csv("a,Effectif couche,Effectif debout\n".as_bytes(), 0, NOW, 0),
            Err(CsvError::MissingColumn("date"))
        );
    }

    #[test]
    fn refuses_future_rows() {
        let csv = "date,Effectif couche,Effectif debout\n2099-01-01 00:00:00,1,1\n";
        let p = parse_csv(csv.as_bytes(), 0, NOW, 0).unwrap();
        assert!(p.frames.is_empty());
        assert!(p.rejected[0].reason.contains("future"));
    }
}
