//! The Import page's API: one INRA CSV export per request (the file's bytes
//! as the body), read in the farm's time zone, stored like ingest, with a
//! report of what was imported and which lines were refused and why.

use std::path::Path;

use animov_api::{ErrorBody, ImportResult, RejectedLine, Role};
use animov_engine::{
    farm,
    import::{ImportError, parse_csv, source_for_path, store_parsed},
    minutes,
};
use axum::{
    Json,
    body::Bytes,
    extract::{Query, State, rejection::QueryRejection},
};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::{ApiError, AppState, AuthUser};

/// Largest export accepted in one request.
pub const MAX_IMPORT_BYTES: usize = 512 * 1024 * 1024;

/// Refused lines listed in the answer (all are counted).
const LISTED: usize = 50;

/// `?file=&source=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// The file's name (for the report, and the source when none is given).
    pub file: String,
    /// The source to import into; default: `cam-N` for a file named `*-N.csv`.
    pub source: Option<String>,
}

/// Imports one INRA CSV export, sent as the request body (admin, operator).
/// Importing the same file twice changes nothing.
#[utoipa::path(post, path = "/api/v1/import/csv", tag = "ingest", security(("bearer" = [])),
    params(ImportQuery), request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ImportResult), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn csv(
    State(state): State<AppState>,
    user: AuthUser,
    query: Result<Query<ImportQuery>, QueryRejection>,
    body: Bytes,
) -> Result<Json<ImportResult>, ApiError> {
    user.require(&[Role::Admin, Role::Operator], "import files")?;
    let Query(q) = query?;
    let source = match q.source.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => s.to_string(),
        None => source_for_path(Path::new(&q.file)).ok_or_else(|| {
            ApiError::invalid(
                "source",
                format!("cannot tell the source from the file name {:?} (expected *-N.csv): give a source name", q.file),
            )
        })?,
    };
    animov_core::ingest::validate_source(&source)?;
    let now = state.now_ms();
    let offset = farm::utc_offset_minutes(&state.store, now).await;
    let max_future = i64::from(state.config.max_future_seconds) * 1000;
    let parsed = tokio::task::spawn_blocking(move || {
        parse_csv(
            std::io::Cursor::new(body),
            i64::from(offset) * 60_000,
            now,
            max_future,
        )
    })
    .await
    .map_err(|e| ApiError::internal(&e))?
    .map_err(|e| {
        ApiError::invalid(
            "file",
            format!("{}: {e}; nothing imported from this file", q.file),
        )
    })?;
    let first_ms = parsed.frames.iter().map(|f| f.ts_ms).min();
    let last_ms = parsed.frames.iter().map(|f| f.ts_ms).max();
    let report = store_parsed(&state.store, parsed, &source)
        .await
        .map_err(|e| match e {
            ImportError::Store(s) => ApiError::from(s),
            other => ApiError::internal(&other),
        })?;
    minutes::close_now(&state, now).await?;
    tracing::info!(file = %q.file, source, imported = report.imported, duplicates = report.duplicates,
        rejected = report.rejected.len(), by = %user.username, "CSV imported");
    Ok(Json(ImportResult {
        file: q.file,
        source,
        imported: report.imported,
        duplicates: report.duplicates,
        rejected: report.rejected.len() as u64,
        rejected_lines: report
            .rejected
            .into_iter()
            .take(LISTED)
            .map(|r| RejectedLine {
                line: r.line,
                reason: r.reason,
            })
            .collect(),
        first_ms,
        last_ms,
        utc_offset_minutes: offset,
    }))
}
