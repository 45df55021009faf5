//! Models: forecast model versions per camera with their validation metrics,
//! training with progress, promotion (admin).

use animov_api::{
    Camera, CameraRetrain, CameraRetrainState, JobInfo, JobStarted, JobState, ModelInfo,
    ModelStage, RetrainState, RetrainStatus, TrainRequest,
};
use leptos::{prelude::*, task::spawn_local};

use super::ErrorBox;
use crate::{api, app::ctx, time};

fn metric(v: Option<f64>) -> String {
    v.map_or("—".into(), |v| format!("{v:.2}"))
}

/// The models page.
#[component]
pub fn Models() -> impl IntoView {
    let ctx = ctx();
    let cams = RwSignal::new(Vec::<Camera>::new());
    let source = RwSignal::new(String::new());
    let models = RwSignal::new(None::<Result<Vec<ModelInfo>, String>>);
    let bundled = RwSignal::new(Vec::<ModelInfo>::new());
    let job = RwSignal::new(None::<Result<JobInfo, String>>);
    let reload = RwSignal::new(0u32);
    spawn_local(async move {
        if let Ok(cs) = api::get::<Vec<Camera>>("/api/v1/cameras").await {
            if let Some(c) = cs.first() {
                source.set(c.source.clone());
            }
            cams.set(cs);
        }
        bundled.set(api::get("/api/v1/models").await.unwrap_or_default());
    });
    Effect::new(move |_| {
        let (src, _) = (source.get(), reload.get());
        if src.is_empty() {
            return;
        }
        spawn_local(async move {
            let r = api::get::<Vec<ModelInfo>>(&format!("/api/v1/models?source={}", api::q(&src)))
                .await
                .map_err(|e| e.message);
            models.set(Some(r));
        });
    });
    let train = move |_| {
        let src = source.get_untracked();
        spawn_local(async move {
            let req = TrainRequest {
                source: src,
                spec: None,
                days: None,
            };
            match api::send::<_, JobStarted>("POST", "/api/v1/models/forecast/train", &req).await {
                Err(e) => job.set(Some(Err(e.message))),
                Ok(started) => loop {
                    match api::get::<JobInfo>(&format!("/api/v1/jobs/{}", started.job_id)).await {
                        Ok(j) => {
                            let running = j.state == JobState::Running;
                            job.set(Some(Ok(j)));
                            if !running {
                                reload.update(|n| *n += 1);
                                break;
                            }
                        }
                        Err(e) => {
                            job.set(Some(Err(e.message)));
                            break;
                        }
                    }
                    gloo_timers::future::TimeoutFuture::new(1_000).await;
                },
            }
        });
    };
    let row = move |m: ModelInfo| {
        let id = m.id;
        let promote = move |_| {
            spawn_local(async move {
                let _ =
                    api::send::<_, ()>("POST", &format!("/api/v1/models/{id}/promote"), &()).await;
                reload.update(|n| *n += 1);
            });
        };
        let can_promote = ctx.farm_admin() && m.stage != ModelStage::Production;
        view! {
            <tr data-model=m.id data-stage=m.stage.as_str()>
                <td>{m.id}</td>
                <td>{m.spec.clone()}</td>
                <td class=format!("stage {}", m.stage)>{ctx.t(match m.stage {
                    ModelStage::Production => "models.production",
                    ModelStage::Staging => "models.staging",
                    ModelStage::Archived => "models.archived",
                })}</td>
                <td>{metric(m.validation_rmse)}</td>
                <td>{metric(m.baseline_rmse)}</td>
                <td>{time::ymd_hm(m.created_ms)}</td>
                <td>{can_promote.then(|| view! { <button class="promote" on:click=promote>{ctx.t("models.promote")}</button> })}</td>
            </tr>
        }
    };
    view! {
        <h1>{move || ctx.t("nav.models")}</h1>
        <p class="muted">{move || ctx.t("models.hint")}</p>
        <label>{move || ctx.t("timeline.camera")}" "
            <select id="models-camera" on:change=move |ev| source.set(event_target_value(&ev)) prop:value=move || source.get()>
                {move || cams.get().into_iter().map(|c| view! { <option value=c.source.clone()>{c.name.clone()}</option> }).collect_view()}
            </select>
        </label>
        {move || ctx.farm_admin().then(|| view! { <button id="train" on:click=train>{ctx.t("models.train")}</button> })}
        {move || job.get().map(|j| match j {
            Ok(j) => view! {
                <p id="train-job" class=format!("job {}", j.state)>
                    <progress max="1" value=j.progress></progress>" "{j.message.clone()}
                </p>
            }.into_any(),
            Err(e) => view! { <ErrorBox message=e/> }.into_any(),
        })}
        <table class="models">
            <thead><tr>
                <th>"#"</th><th>{move || ctx.t("models.spec")}</th><th>{move || ctx.t("models.stage")}</th>
                <th>{move || ctx.t("models.validation")}</th><th>{move || ctx.t("models.baseline")}</th>
                <th>{move || ctx.t("models.created")}</th><th></th>
            </tr></thead>
            <tbody>
                {move || match models.get() {
                    None => view! { <tr><td colspan="7" class="loading">{ctx.t("common.loading")}</td></tr> }.into_any(),
                    Some(Err(e)) => view! { <tr><td colspan="7"><ErrorBox message=e/></td></tr> }.into_any(),
                    Some(Ok(ms)) => ms.into_iter().chain(bundled.get()).map(row).collect_view().into_any(),
                }}
            </tbody>
        </table>
        {move || (!ctx.central.get()).then(|| view! { <Retraining/> })}
    }
}

/// The nightly retraining: window, model, the last run camera by camera
/// (the fit under way, with its iteration, log-likelihood and time left).
#[component]
fn Retraining() -> impl IntoView {
    let ctx = ctx();
    let status = RwSignal::new(None::<RetrainStatus>);
    super::every(5_000, move || {
        spawn_local(async move {
            if let Ok(s) = api::get::<RetrainStatus>("/api/v1/models/retrain").await {
                let _ = status.try_set(Some(s));
            }
        });
    });
    let state = move |s: RetrainState| match s {
        RetrainState::Running => ctx.t("retrain.running"),
        RetrainState::Done => ctx.t("retrain.done"),
        RetrainState::Interrupted => ctx.t("retrain.interrupted"),
    };
    let started = RwSignal::new(None::<Result<(), String>>);
    let now = move |_| {
        spawn_local(async move {
            let r = api::send::<_, serde_json::Value>("POST", "/api/v1/models/retrain", &()).await;
            let _ = started.try_set(Some(r.map(|_| ()).map_err(|e| e.message)));
        });
    };
    let outcome = move |c: &CameraRetrain| match c.state {
        CameraRetrainState::Pending => ctx.t("retrain.pending").to_string(),
        CameraRetrainState::Trained if c.promoted => ctx.t("retrain.promoted").to_string(),
        CameraRetrainState::Trained => ctx.t("retrain.kept").to_string(),
        CameraRetrainState::Skipped => format!("{} ({})", ctx.t("retrain.skipped"), c.message),
        CameraRetrainState::Failed => format!("{} ({})", ctx.t("retrain.failed"), c.message),
    };
    view! {
        <h2>{move || ctx.t("retrain.title")}</h2>
        {move || ctx.farm_admin().then(|| view! { <button id="retrain-now" on:click=now>{ctx.t("retrain.now")}</button> })}
        {move || started.get().and_then(|r| r.err()).map(|e| view! { <ErrorBox message=e/> })}
        {move || status.get().map(|s| view! {
            <p class="muted" id="retrain-settings">{format!("{} · {} {} · {} {}",
                if s.enabled { format!("{} {}", ctx.t("retrain.window"), s.window) } else { ctx.t("retrain.off").to_string() },
                ctx.t("retrain.candidates"), s.candidates.join(", "), s.folds, ctx.t("retrain.folds"))}</p>
            {match s.last {
                None => view! { <p id="retrain-none">{ctx.t("retrain.never")}</p> }.into_any(),
                Some(r) => view! {
                    <p id="retrain-run" data-state=format!("{:?}", r.state).to_lowercase()>
                        <strong>{format!("{} {} — {}", ctx.t("retrain.night"), r.night, state(r.state))}</strong>
                        {r.interrupted_because.clone().map(|w| format!(" : {w}"))}
                        {r.resumed_from.clone().map(|n| format!(" · {} {n}", ctx.t("retrain.resumed")))}
                    </p>
                    {r.current.clone().map(|c| view! {
                        <p id="retrain-current">{format!("{} · {} {} · log-likelihood {:.1}{}", c.source, ctx.t("retrain.iteration"), c.iteration, c.llf,
                            c.eta_s.map(|e| format!(" · ETA {:.0} s", e)).unwrap_or_default())}</p>
                    })}
                    <table id="retrain-cameras" class="models">
                        <thead><tr>
                            <th>{ctx.t("timeline.camera")}</th><th>{ctx.t("retrain.outcome")}</th><th>{ctx.t("retrain.model")}</th>
                            <th>{ctx.t("models.validation")}</th><th>{ctx.t("models.baseline")}</th><th>{ctx.t("retrain.production")}</th><th>"s"</th>
                        </tr></thead>
                        <tbody>{r.cameras.iter().map(|c| view! {
                            <tr data-source=c.source.clone() data-state=format!("{:?}", c.state).to_lowercase()>
                                <td>{c.source.clone()}</td><td>{outcome(c)}</td><td>{c.spec.clone().unwrap_or_default()}</td>
                                <td>{metric(c.validation_rmse)}</td><td>{metric(c.baseline_rmse)}</td><td>{metric(c.production_rmse)}</td>
                                <td>{format!("{:.1}", c.seconds)}</td>
                            </tr>
                        }).collect_view()}</tbody>
                    </table>
                    <super::backtest::Backtests cameras=r.cameras.clone()/>
                }.into_any(),
            }}
        })}
    }
}
