//! Query-string parameters shared by the statistics routes, parsed with clear messages.

use animov_api::Bucket;
use animov_core::time::{DAY_MS, MINUTE_MS, TIME_RANGE_MS, floor_to};
use animov_store::CameraRow;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::{ApiError, AppState};

/// `?source=&from=&to=&bucket=`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WindowQuery {
    /// The source (camera) name.
    #[param(example = "cam-1")]
    pub source: Option<String>,
    /// Window start, UTC ms, inclusive (default: `to` minus the route's default span).
    #[param(value_type = Option<i64>)]
    pub from: Option<String>,
    /// Window end, UTC ms, exclusive (default: now).
    #[param(value_type = Option<i64>)]
    pub to: Option<String>,
    /// Series bucket: `5m`, `15m` (default), `1h` or `1d`.
    #[param(value_type = Option<String>, example = "15m")]
    pub bucket: Option<String>,
}

fn parse_ms(name: &str, v: &Option<String>) -> Result<Option<i64>, ApiError> {
    match v.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => {
            let ms = s.parse::<i64>().map_err(|_| {
                ApiError::bad_param(
                    name,
                    format!("{name} must be a time in UTC milliseconds since 1970, got {s:?}"),
                )
            })?;
            check_time(name, Some(ms))
        }
    }
}

/// A client-given time, which must lie in [`TIME_RANGE_MS`] (1970 to 9999).
pub fn check_time(name: &str, ms: Option<i64>) -> Result<Option<i64>, ApiError> {
    match ms {
        Some(v) if !TIME_RANGE_MS.contains(&v) => Err(ApiError::bad_param(
            name,
            format!("{name} must be a time in UTC milliseconds between 1970 and 9999, got {v}"),
        )),
        ms => Ok(ms),
    }
}

impl WindowQuery {
    /// `[from, to)`: defaults to the `default_span_ms` before now; refuses empty,
    /// reversed or larger-than-`max_span_ms` windows.
    pub fn window(
        &self,
        now: i64,
        default_span_ms: i64,
        max_span_ms: i64,
    ) -> Result<(i64, i64), ApiError> {
        let to = parse_ms("to", &self.to)?.unwrap_or_else(|| floor_to(now, MINUTE_MS) + MINUTE_MS);
        let from = parse_ms("from", &self.from)?.unwrap_or(to.saturating_sub(default_span_ms));
        if from >= to {
            return Err(ApiError::bad_param("from", "from must be before to"));
        }
        // Both lie in TIME_RANGE_MS, so this cannot overflow.
        if to - from > max_span_ms {
            return Err(ApiError::bad_param(
                "from",
                format!(
                    "the window is too long for this route: at most {} days",
                    max_span_ms / DAY_MS
                ),
            ));
        }
        Ok((from, to))
    }

    /// The bucket (default 15 min).
    pub fn bucket(&self) -> Result<Bucket, ApiError> {
        match self.bucket.as_deref() {
            None | Some("") => Ok(Bucket::M15),
            Some(b) => Bucket::parse(b).ok_or_else(|| {
                ApiError::bad_param("bucket", "bucket must be one of 5m, 15m, 1h, 1d")
            }),
        }
    }

    /// The named source, which must exist.
    pub async fn camera(&self, state: &AppState) -> Result<CameraRow, ApiError> {
        required_camera(state, self.source.as_deref()).await
    }
}

/// The source named in a required `?source=`, which must exist.
pub async fn required_camera(
    state: &AppState,
    source: Option<&str>,
) -> Result<CameraRow, ApiError> {
    let source = source.filter(|s| !s.is_empty()).ok_or_else(|| {
        ApiError::bad_param(
            "source",
            "source is required: GET /api/v1/cameras lists them",
        )
    })?;
    camera_named(state, source).await
}

/// The source called `source`, or a 404 that says where to look.
pub async fn camera_named(state: &AppState, source: &str) -> Result<CameraRow, ApiError> {
    state.store.camera(source).await?.ok_or_else(|| {
        ApiError::not_found(format!(
            "unknown source {source:?}: GET /api/v1/cameras lists them"
        ))
        .with_code("unknown_source")
    })
}
