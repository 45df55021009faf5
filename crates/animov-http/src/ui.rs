//! Serving the built UI: static files, and `index.html` for every other page
//! path (the UI routes on the client).

use std::path::{Path, PathBuf};

use axum::{
    Router,
    http::{HeaderValue, header},
    response::Html,
    routing::get,
};
use tower_http::{
    services::{ServeDir, ServeFile},
    set_header::SetResponseHeaderLayer,
};

use crate::AppState;

/// Where the built UI is: the configured folder if one is set (and only it),
/// else `ANIMOV_UI_DIR`, else next to the binary (`ui/` or
/// `../share/animov/ui`) or the source tree's `ui/dist`. `None` when the chosen
/// place has no `index.html`.
pub fn locate(configured: Option<&Path>) -> Option<PathBuf> {
    let explicit = configured
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os("ANIMOV_UI_DIR").map(PathBuf::from));
    let candidates: Vec<PathBuf> = match explicit {
        Some(dir) => vec![dir],
        None => {
            let mut c = Vec::new();
            if let Ok(exe) = std::env::current_exe()
                && let Some(dir) = exe.parent()
            {
                c.push(dir.join("ui"));
                c.push(dir.join("../share/animov/ui"));
            }
            c.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/dist"));
            c
        }
    };
    candidates
        .into_iter()
        .find(|d| d.join("index.html").is_file())
}

const NOT_BUILT: &str = "<!doctype html><meta charset=utf-8><title>AniMOV</title>\
<body style=\"font-family:sans-serif;max-width:40rem;margin:3rem auto\">\
<h1>AniMOV</h1><p>L'interface n'est pas construite. / The interface is not built.</p>\
<p>Run <code>cargo run -p animov-xtask -- ui</code> (the README's run command does it), \
or set <code>ui_dir</code> in animov.toml. The API works: <a href=\"/api/v1/docs\">/api/v1/docs</a>.</p>";

/// The UI routes (to merge last, as the fallback of the app).
pub fn routes(ui_dir: Option<PathBuf>) -> Router<AppState> {
    match ui_dir {
        Some(dir) => {
            tracing::info!(dir = %dir.display(), "serving the UI");
            let index = dir.join("index.html");
            let files = ServeDir::new(&dir).fallback(ServeFile::new(&index));
            Router::new()
                .fallback_service(files)
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("no-cache"),
                ))
        }
        None => {
            tracing::warn!("the UI is not built; serving the API only");
            Router::new()
                .route("/", get(|| async { Html(NOT_BUILT) }))
                .fallback(crate::routes::meta::not_found)
        }
    }
}
