//! Long jobs started from a page (clips, datasets): start one with a POST,
//! follow its progress until it ends, and show it.

use animov_api::{JobInfo, JobStarted, JobState};
use leptos::{prelude::*, task::spawn_local};

use crate::{api, app::ctx};

/// A job followed by a page: `None` before, then its state or why it failed.
pub type Followed = RwSignal<Option<Result<JobInfo, String>>>;

/// POSTs `body` to `path` (which answers a job), then follows the job into
/// `out` every half second until it ends (or the page is left).
pub fn start(path: &'static str, body: serde_json::Value, out: Followed) {
    spawn_local(async move {
        let id = match api::send::<_, JobStarted>("POST", path, &body).await {
            Ok(j) => j.job_id,
            Err(e) => {
                let _ = out.try_set(Some(Err(e.message)));
                return;
            }
        };
        loop {
            match api::get::<JobInfo>(&format!("/api/v1/jobs/{id}")).await {
                Ok(j) => {
                    let running = j.state == JobState::Running;
                    if out.try_set(Some(Ok(j))).is_some() || !running {
                        return;
                    }
                }
                Err(e) => {
                    let _ = out.try_set(Some(Err(e.message)));
                    return;
                }
            }
            gloo_timers::future::TimeoutFuture::new(500).await;
        }
    });
}

/// The job's progress, its error, or (done) a download link: elements
/// `{id}-progress` and `{id}-download`; `making` and `download` are i18n keys.
pub fn show(
    out: Followed,
    id: &'static str,
    making: &'static str,
    download: &'static str,
) -> impl IntoView {
    let ctx = ctx();
    move || {
        out.get().map(|c| match c {
            Err(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
            Ok(j) if j.state == JobState::Running => view! {
                <p id=format!("{id}-progress")>{format!("{} {:.0} %", ctx.t(making), j.progress * 100.0)}</p>
            }
            .into_any(),
            Ok(j) => match j.output {
                Some(url) if j.state == JobState::Done => view! {
                    <p class="muted">{j.message.clone()}</p>
                    <p><a id=format!("{id}-download")
                        href=api::media(&url)
                        download="">{ctx.t(download)}</a></p>
                }
                .into_any(),
                _ => view! { <p class="error" role="alert">{j.message}</p> }.into_any(),
            },
        })
    }
}
