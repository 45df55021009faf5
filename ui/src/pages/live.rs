//! Live: one tile per camera with the newest counts (the picture comes with video capture).

use animov_api::{Camera, LiveCounts};
use leptos::{prelude::*, task::spawn_local};

use super::{ErrorBox, every, state_key};
use crate::{api, app::ctx, time};

/// Camera grid.
#[component]
pub fn Live() -> impl IntoView {
    let ctx = ctx();
    let data = RwSignal::new(None::<Result<(Vec<Camera>, Vec<LiveCounts>), String>>);
    every(2_000, move || {
        spawn_local(async move {
            let r = async {
                Ok::<_, api::Failure>((
                    api::get("/api/v1/cameras").await?,
                    api::get("/api/v1/live").await?,
                ))
            }
            .await;
            data.set(Some(r.map_err(|e| e.message)));
        });
    });
    view! {
        <h1>{move || ctx.t("nav.live")}</h1>
        <p class="muted">{move || ctx.t("live.hint")}</p>
        {move || match data.get() {
            None => view! { <p class="loading">{ctx.t("common.loading")}</p> }.into_any(),
            Some(Err(e)) => view! { <ErrorBox message=e/> }.into_any(),
            Some(Ok((cams, live))) => view! {
                <div class="tiles">
                    {cams.into_iter().map(|c| {
                        let l = live.iter().find(|l| l.source == c.source).cloned();
                        let state = c.state.clone();
                        let key = state_key(&state);
                        view! {
                            <section class="tile" data-source=c.source.clone()>
                                <h2>{c.name.clone()}</h2>
                                <p class=format!("state {state}")>{move || ctx.t(key)}</p>
                                {l.map(|l| view! {
                                    <p class="big"><span class="standing">{l.standing}</span>" / "<span class="lying">{l.lying}</span></p>
                                    <p class="muted">{move || format!("{} / {} — {}", ctx.t("common.standing"), ctx.t("common.lying"), time::hm(l.ts_ms))}</p>
                                })}
                            </section>
                        }
                    }).collect_view()}
                </div>
            }.into_any(),
        }}
    }
}
