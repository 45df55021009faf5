//! What a camera can be on this machine (admin): its USB cameras, and video
//! files uploaded from the Cameras page (a file picked in the window's or
//! the browser's file dialog) into the data folder.

use std::path::Path;

use animov_api::{ErrorBody, Role, UploadedVideo, VideoDevice};
use animov_engine::cameras::devices::{upload_name, video_devices, videos_dir};
use axum::{
    Json,
    body::Body,
    extract::{Query, State, rejection::QueryRejection},
    http::StatusCode,
};
use futures_util::StreamExt;
use serde::Deserialize;
use tokio::io::AsyncWriteExt;
use utoipa::IntoParams;

use crate::{ApiError, AppState, AuthUser};

/// Largest video accepted.
pub const MAX_VIDEO_BYTES: u64 = 8 * 1024 * 1024 * 1024;

/// The USB (V4L2) cameras of the machine, by name (admin).
#[utoipa::path(get, path = "/api/v1/cameras/devices", tag = "cameras", security(("bearer" = [])),
    responses((status = 200, body = [VideoDevice]), (status = 403, body = ErrorBody)))]
pub async fn devices(
    State(_state): State<AppState>,
    user: AuthUser,
) -> Result<Json<Vec<VideoDevice>>, ApiError> {
    user.require(&[Role::Admin], "list the machine's cameras")?;
    Ok(Json(video_devices(
        Path::new("/sys/class/video4linux"),
        Path::new("/dev"),
    )))
}

/// `?name=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VideoQuery {
    /// The file's name.
    pub name: String,
}

/// Stores a video file (the request body) in the data folder's `videos/`
/// (admin); its path then serves as a camera's address.
#[utoipa::path(post, path = "/api/v1/videos", tag = "cameras", security(("bearer" = [])),
    params(VideoQuery), request_body(content = String, content_type = "application/octet-stream"),
    responses((status = 201, body = UploadedVideo), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody), (status = 507, body = ErrorBody)))]
pub async fn upload_video(
    State(state): State<AppState>,
    user: AuthUser,
    query: Result<Query<VideoQuery>, QueryRejection>,
    body: Body,
) -> Result<(StatusCode, Json<UploadedVideo>), ApiError> {
    user.require(&[Role::Admin], "add video files")?;
    let Query(q) = query?;
    let name = upload_name(&q.name)
        .ok_or_else(|| ApiError::invalid("name", "give the file's name, e.g. pen-1.mp4"))?;
    let dir = videos_dir(&state.config.data_dir);
    let disk = |e: std::io::Error| {
        ApiError::new(
            StatusCode::INSUFFICIENT_STORAGE,
            "disk",
            format!("cannot write {}: {e} (is the disk full?)", dir.display()),
        )
    };
    tokio::fs::create_dir_all(&dir).await.map_err(disk)?;
    let path = dir.join(&name);
    let partial = dir.join(format!(".{name}.part"));
    let mut file = tokio::fs::File::create(&partial).await.map_err(disk)?;
    let mut stream = body.into_data_stream();
    let mut bytes = 0u64;
    let written: Result<(), ApiError> = async {
        while let Some(chunk) = stream.next().await {
            let chunk = chunk
                .map_err(|e| ApiError::invalid("body", format!("the upload broke off: {e}")))?;
            bytes += chunk.len() as u64;
            if bytes > MAX_VIDEO_BYTES {
                return Err(ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "too_large",
                    "the video is larger than 8 GiB: cut it shorter",
                ));
            }
            file.write_all(&chunk).await.map_err(disk)?;
        }
        file.flush().await.map_err(disk)
    }
    .await;
    if let Err(e) = written {
        let _ = tokio::fs::remove_file(&partial).await;
        return Err(e);
    }
    tokio::fs::rename(&partial, &path).await.map_err(disk)?;
    tracing::info!(file = %path.display(), bytes, by = %user.username, "video file added");
    Ok((
        StatusCode::CREATED,
        Json(UploadedVideo {
            path: path.display().to_string(),
            bytes,
        }),
    ))
}
