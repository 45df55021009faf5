//! Import of the INRA CSV exports: one row per analysed frame, a date/time
//! column and the counts "Effectif couche" (lying) and "Effectif debout"
//! (standing). Files are named `*-1.csv`, `*-2.csv`, ... per camera.

use std::{io::Read, path::Path};

use animov_api::{IngestFrame, SourceKind};
use animov_core::ingest::validate_frame;
use animov_store::{NewFrame, Store, StoreError};
use chrono::NaiveDateTime;
use serde::Deserialize;

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

/// Why a file was not imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file cannot be opened.
    #[error("{0}")]
    Open(std::io::Error),
    /// Not an INRA export: nothing was imported from it.
    #[error("{0}; nothing imported from this file")]
    Csv(CsvError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One line of an export, its columns renamed to these names first (the
/// exports spell them in French or English, in any case).
#[derive(Debug, Deserialize)]
struct InraRow {
    date: Option<String>,
    time: Option<String>,
    lying: Option<String>,
    standing: Option<String>,
}

/// Header spellings of each [`InraRow`] field.
const ALIASES: [(&str, &[&str]); 4] = [
    (
        "date",
        &["date", "datetime", "timestamp", "horodatage", "date_heure"],
    ),
    ("time", &["heure", "time"]),
    ("lying", &["effectif couche", "couche", "lying"]),
    ("standing", &["effectif debout", "debout", "standing"]),
];

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

/// Why one line was not imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum RowError {
    #[error("{0}")]
    Csv(String),
    #[error("missing column {0}")]
    MissingColumn(usize),
    #[error("cannot read the date {0:?}")]
    Date(String),
    #[error("negative count {0:?}")]
    Negative(String),
    #[error("count {0:?} is not a whole number")]
    NotWhole(String),
    #[error("count {0:?} is not a number")]
    NotNumber(String),
    #[error("{0}")]
    Refused(String),
}

fn parse_count(s: &str) -> Result<u32, RowError> {
    let s = s.trim();
    if let Ok(v) = s.parse::<u32>() {
        return Ok(v);
    }
    match s.replace(',', ".").parse::<f64>() {
        Ok(v) if v >= 0.0 && v.fract() == 0.0 && v <= f64::from(u32::MAX) => Ok(v as u32),
        Ok(v) if v < 0.0 => Err(RowError::Negative(s.into())),
        Ok(_) => Err(RowError::NotWhole(s.into())),
        Err(_) => Err(RowError::NotNumber(s.into())),
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
    let raw: Vec<String> = rdr
        .headers()
        .map_err(|e| CsvError::Malformed(e.to_string()))?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    // Each field's column: the first header that spells it.
    let column = |field: &str| {
        let names = ALIASES
            .iter()
            .find(|(f, _)| *f == field)
            .map_or(&[][..], |a| a.1);
        raw.iter().position(|h| names.contains(&h.as_str()))
    };
    let date = column("date").ok_or(CsvError::MissingColumn("date"))?;
    let time = column("time");
    let lying = column("lying").ok_or(CsvError::MissingColumn("\"Effectif couche\""))?;
    let standing = column("standing").ok_or(CsvError::MissingColumn("\"Effectif debout\""))?;
    let mut names: Vec<String> = (0..raw.len())
        .map(|k| format!("column {}", k + 1))
        .collect();
    names[date] = "date".into();
    names[lying] = "lying".into();
    names[standing] = "standing".into();
    if let Some(t) = time {
        names[t] = "time".into();
    }
    let headers = csv::StringRecord::from(names);
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
        let row = rec
            .deserialize::<InraRow>(Some(&headers))
            .map_err(|e| RowError::Csv(e.to_string()))
            .and_then(|r| {
                frame_of(
                    &r,
                    [date, lying, standing],
                    now_ms,
                    max_future_ms,
                    utc_offset_ms,
                )
            });
        match row {
            Ok(f) => out.frames.push(f),
            Err(e) => out.rejected.push(Rejected {
                line,
                reason: e.to_string(),
            }),
        }
    }
    Ok(out)
}

/// The frame of one line (`cols`: where date, lying and standing are, for messages).
fn frame_of(
    r: &InraRow,
    cols: [usize; 3],
    now_ms: i64,
    max_future_ms: i64,
    utc_offset_ms: i64,
) -> Result<NewFrame, RowError> {
    let [date, lying, standing] = cols;
    let cell = |v: &Option<String>, k: usize| v.clone().ok_or(RowError::MissingColumn(k + 1));
    let when = match &r.time {
        Some(t) => format!("{} {}", cell(&r.date, date)?.trim(), t.trim()),
        None => cell(&r.date, date)?,
    };
    let naive = parse_time(&when).ok_or_else(|| RowError::Date(when.clone()))?;
    let ts_ms = naive.and_utc().timestamp_millis() - utc_offset_ms;
    let l = parse_count(&cell(&r.lying, lying)?)?;
    let s = parse_count(&cell(&r.standing, standing)?)?;
    let f = IngestFrame {
        ts_ms,
        lying: l,
        standing: s,
        detections: None,
    };
    validate_frame(0, &f, now_ms, max_future_ms).map_err(|e| RowError::Refused(e.message))?;
    Ok(NewFrame {
        ts_ms,
        lying: l,
        standing: s,
        detections: None,
    })
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
    now_ms: i64,
) -> Result<ImportReport, ImportError> {
    let file = std::fs::File::open(path).map_err(ImportError::Open)?;
    let parsed = parse_csv(
        std::io::BufReader::new(file),
        utc_offset_ms,
        now_ms,
        max_future_ms,
    )
    .map_err(ImportError::Csv)?;
    store_parsed(store, parsed, source).await
}

/// Stores parsed rows for `source` (registered as an ingest source if new),
/// in transactions of 5 000 frames: what [`import_file`] does once the file
/// is read, and the import page once the upload is parsed.
pub async fn store_parsed(
    store: &Store,
    parsed: Parsed,
    source: &str,
) -> Result<ImportReport, ImportError> {
    let camera_id = store.ensure_source(source, SourceKind::Ingest).await?;
    let (mut imported, mut duplicates) = (0, 0);
    for chunk in parsed.frames.chunks(5_000) {
        let (a, d) = store.insert_frames(camera_id, chunk).await?;
        imported += a;
        duplicates += d;
    }
    Ok(ImportReport {
        imported,
        duplicates,
        rejected: parsed.rejected,
    })
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
