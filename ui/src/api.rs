//! Calls to the engine's HTTP API with the session token; errors become readable messages.

use animov_api::ErrorBody;
use gloo_net::http::{Request, RequestBuilder, Response};
use serde::{Serialize, de::DeserializeOwned};

const TOKEN_KEY: &str = "animov.token";
const SITE_KEY: &str = "animov.site";

/// Why a call failed, ready to show.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// HTTP status, 0 when the engine could not be reached.
    pub status: u16,
    /// What went wrong, for a person.
    pub message: String,
    /// The engine's error code (e.g. `wrong_credentials`); empty when unknown.
    pub code: String,
    /// The field to blame, when one is.
    pub field: Option<String>,
}

impl Failure {
    fn new(status: u16, message: String) -> Failure {
        Failure {
            status,
            message,
            code: String::new(),
            field: None,
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// The stored session token.
pub fn token() -> Option<String> {
    storage()?.get_item(TOKEN_KEY).ok()?
}

/// Keeps (or forgets, with `None`) the session token for this tab.
pub fn set_token(token: Option<&str>) {
    if let Some(s) = storage() {
        let _ = match token {
            Some(t) => s.set_item(TOKEN_KEY, t),
            None => s.remove_item(TOKEN_KEY),
        };
    }
}

/// The site this tab looks at, at a central (`None` at a barn PC, or before
/// one is picked).
pub fn site() -> Option<String> {
    storage()?
        .get_item(SITE_KEY)
        .ok()?
        .filter(|s| !s.is_empty())
}

/// Picks the site every later call reads and writes (at a central).
pub fn set_site(site: Option<&str>) {
    if let Some(s) = storage() {
        let _ = match site {
            Some(v) => s.set_item(SITE_KEY, v),
            None => s.remove_item(SITE_KEY),
        };
    }
}

/// The headers every call carries: the session token and, at a central,
/// the site picked (`X-AniMOV-Site`).
fn headers() -> Vec<(&'static str, String)> {
    let mut h = Vec::new();
    if let Some(t) = token() {
        h.push(("Authorization", format!("Bearer {t}")));
    }
    if let Some(s) = site() {
        h.push(("X-AniMOV-Site", s));
    }
    h
}

fn with_auth(b: RequestBuilder) -> RequestBuilder {
    headers()
        .into_iter()
        .fold(b, |b, (name, value)| b.header(name, &value))
}

/// `url` (an API route read by the browser itself: a picture, a video, a
/// download, an event stream) with the session token and the site picked
/// as query parameters, since such requests cannot carry headers.
pub fn media(url: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    let mut u = format!("{url}{sep}access_token={}", q(&token().unwrap_or_default()));
    if let Some(s) = site() {
        u.push_str(&format!("&site={}", q(&s)));
    }
    u
}

async fn read<T: DeserializeOwned>(resp: Result<Response, gloo_net::Error>) -> Result<T, Failure> {
    let resp = resp.map_err(|_| Failure {
        status: 0,
        message:
            "The AniMOV engine cannot be reached. Is it running? / Le moteur AniMOV ne répond pas."
                .into(),
        code: String::new(),
        field: None,
    })?;
    let status = resp.status();
    if (200..300).contains(&status) {
        if status == 204 {
            return serde_json::from_str("null").map_err(|e| Failure::new(status, e.to_string()));
        }
        return resp
            .json::<T>()
            .await
            .map_err(|e| Failure::new(status, format!("unexpected answer: {e}")));
    }
    Err(refused(status, resp.json::<ErrorBody>().await.ok()))
}

/// The failure of an answer with `status` and error `body` (a 401 forgets the token).
fn refused(status: u16, body: Option<ErrorBody>) -> Failure {
    if status == 401 {
        set_token(None);
    }
    match body {
        Some(b) => Failure {
            status,
            message: b.error.message,
            code: b.error.code,
            field: b.error.field,
        },
        None => Failure::new(status, format!("the engine answered {status}")),
    }
}

/// `GET path` (JSON).
pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, Failure> {
    read(with_auth(Request::get(path)).send().await).await
}

/// `method path` with a JSON body.
pub async fn send<B: Serialize, T: DeserializeOwned>(
    method: &str,
    path: &str,
    body: &B,
) -> Result<T, Failure> {
    let b = match method {
        "PUT" => Request::put(path),
        "DELETE" => Request::delete(path),
        _ => Request::post(path),
    };
    let req = with_auth(b)
        .json(body)
        .map_err(|e| Failure::new(0, e.to_string()))?;
    read(req.send().await).await
}

/// Percent-encodes a query value.
pub fn q(v: &str) -> String {
    js_sys::encode_uri_component(v).into()
}

/// What an upload sends.
pub enum Upload<'a> {
    /// One file, as the body.
    File(&'a web_sys::File),
    /// A form (`multipart/form-data`).
    Form(&'a web_sys::FormData),
}

/// `POST path` with `file` as the body, reporting the share sent (0 to 1) to
/// `progress` as the upload goes; JSON answer.
pub async fn upload<T: DeserializeOwned>(
    path: &str,
    file: &web_sys::File,
    progress: impl Fn(f64) + 'static,
) -> Result<T, Failure> {
    send_upload(path, Upload::File(file), progress).await
}

/// `POST path` with `body`, reporting the share sent to `progress`; JSON answer.
pub async fn send_upload<T: DeserializeOwned>(
    path: &str,
    body: Upload<'_>,
    progress: impl Fn(f64) + 'static,
) -> Result<T, Failure> {
    use wasm_bindgen::{JsCast, closure::Closure};
    let fail = |m: &str| Failure::new(0, m.to_string());
    let xhr = web_sys::XmlHttpRequest::new().map_err(|_| fail("no XMLHttpRequest"))?;
    xhr.open("POST", path)
        .map_err(|_| fail("cannot open the request"))?;
    for (name, value) in headers() {
        let _ = xhr.set_request_header(name, &value);
    }
    if let Upload::File(_) = body {
        let _ = xhr.set_request_header("Content-Type", "application/octet-stream");
    }
    let on_progress =
        Closure::<dyn Fn(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
            if e.length_computable() && e.total() > 0.0 {
                progress(e.loaded() / e.total());
            }
        });
    if let Ok(up) = xhr.upload() {
        up.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
    }
    let done = js_sys::Promise::new(&mut |resolve, reject| {
        xhr.set_onload(Some(&resolve));
        xhr.set_onerror(Some(&reject));
    });
    match body {
        Upload::File(f) => xhr.send_with_opt_blob(Some(f)),
        Upload::Form(f) => xhr.send_with_opt_form_data(Some(f)),
    }
    .map_err(|_| fail("cannot send the file"))?;
    let sent = wasm_bindgen_futures::JsFuture::from(done).await;
    drop(on_progress);
    if sent.is_err() {
        return Err(Failure::new(
            0,
            "The AniMOV engine cannot be reached. Is it running? / Le moteur AniMOV ne répond pas."
                .into(),
        ));
    }
    let status = xhr.status().unwrap_or(0);
    let text = xhr.response_text().ok().flatten().unwrap_or_default();
    if (200..300).contains(&status) {
        return serde_json::from_str(&text)
            .map_err(|e| Failure::new(status, format!("unexpected answer: {e}")));
    }
    Err(refused(
        status,
        serde_json::from_str::<ErrorBody>(&text).ok(),
    ))
}
