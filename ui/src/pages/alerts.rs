//! Alerts: the list with filters (kept current by pushed events), and one
//! alert in detail — what was seen, the chart around it with the forecast
//! band, its history — with acknowledge, resolve and notes as the role allows.

use animov_api::{
    Alert, AlertAction, AlertDetail, AlertExplanation, AlertFeedback, AlertState, AlertVerdict,
    Camera, Event, ForecastPoint, Role, SeriesPoint,
};
use leptos::{prelude::*, task::spawn_local};

use super::{ErrorBox, around};
use crate::{api, app::ctx, chart, events, jobs, time};

const CHART_ID: &str = "alert-chart";

/// The list, or one alert when `id` is given (`#/alerts/ID`).
#[component]
pub fn Alerts(id: Option<i64>) -> impl IntoView {
    match id {
        Some(id) => view! { <AlertPage id=id/> }.into_any(),
        None => view! { <AlertList/> }.into_any(),
    }
}

#[component]
fn AlertList() -> impl IntoView {
    let ctx = ctx();
    let state = RwSignal::new("active".to_string());
    let source = RwSignal::new(String::new());
    let cams = RwSignal::new(Vec::<Camera>::new());
    let list = RwSignal::new(None::<Result<Vec<Alert>, String>>);
    let tick = RwSignal::new(0u32);
    spawn_local(async move {
        if let Ok(cs) = api::get::<Vec<Camera>>("/api/v1/cameras").await {
            cams.set(cs);
        }
    });
    events::subscribe(move |e| {
        if let Event::Alert(_) = e {
            tick.update(|t| *t += 1);
        }
    });
    Effect::new(move |_| {
        let (st, src, _) = (state.get(), source.get(), tick.get());
        spawn_local(async move {
            let mut path = String::from("/api/v1/alerts?limit=300");
            if st != "all" {
                path.push_str(&format!("&state={st}"));
            }
            if !src.is_empty() {
                path.push_str(&format!("&source={}", api::q(&src)));
            }
            list.set(Some(
                api::get(&path).await.map_err(|e: api::Failure| e.message),
            ));
        });
    });
    view! {
        <h1>{move || ctx.t("nav.alerts")}</h1>
        <p class="muted">{move || ctx.t("alerts.hint")}</p>
        <form class="filters" on:submit=|ev| ev.prevent_default()>
            <label>{move || ctx.t("alerts.filter_state")}
                <select id="al-state" prop:value=state on:change=move |ev| state.set(event_target_value(&ev))>
                    <option value="active" selected>{move || ctx.t("alerts.active")}</option>
                    <option value="open">{move || ctx.label(AlertState::Open.label())}</option>
                    <option value="acknowledged">{move || ctx.label(AlertState::Acknowledged.label())}</option>
                    <option value="resolved">{move || ctx.label(AlertState::Resolved.label())}</option>
                    <option value="all">{move || ctx.t("alerts.all")}</option>
                </select>
            </label>
            <label>{move || ctx.t("alerts.filter_camera")}
                <select id="al-camera" prop:value=source on:change=move |ev| source.set(event_target_value(&ev))>
                    <option value="">{move || ctx.t("alerts.all_cameras")}</option>
                    {move || cams.get().into_iter().map(|c| view! { <option value=c.source.clone()>{c.name}</option> }).collect_view()}
                </select>
            </label>
        </form>
        {move || match list.get() {
            None => view! { <p class="loading">{ctx.t("common.loading")}</p> }.into_any(),
            Some(Err(e)) => view! { <ErrorBox message=e/> }.into_any(),
            Some(Ok(v)) if v.is_empty() => view! { <p id="alerts-empty">{ctx.t("alerts.none")}</p> }.into_any(),
            Some(Ok(v)) => view! {
                <table class="alerts">
                    <thead><tr>
                        <th>{ctx.t("alerts.when")}</th><th>{ctx.t("alerts.filter_camera")}</th>
                        <th>{ctx.t("alerts.rule")}</th><th>{ctx.t("alerts.severity")}</th>
                        <th>{ctx.t("alerts.filter_state")}</th><th>{ctx.t("alerts.what")}</th>
                    </tr></thead>
                    <tbody>
                        {v.into_iter().map(|a| view! {
                            <tr data-id=a.id data-rule=a.rule.as_str() data-source=a.source.clone()
                                data-state=a.state.as_str() class=format!("sev-{}", a.severity.as_str())>
                                <td>{time::ymd_hm(a.opened_ms)}</td>
                                <td>{a.source.clone()}</td>
                                <td><a class="alert-link" href=format!("#/alerts/{}", a.id)>{ctx.label(a.rule.label())}</a></td>
                                <td class="severity">{ctx.label(a.severity.label())}</td>
                                <td>{ctx.label(a.state.label())}</td>
                                <td class="muted">{crate::alerts::describe(ctx.lang.get(), &a)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any(),
        }}
    }
}

#[component]
fn AlertPage(id: i64) -> impl IntoView {
    let ctx = ctx();
    let detail = RwSignal::new(None::<Result<AlertDetail, String>>);
    let comment = RwSignal::new(String::new());
    let action_error = RwSignal::new(None::<String>);
    let chart_data = RwSignal::new(None::<(Vec<SeriesPoint>, Vec<ForecastPoint>)>);
    let explanation = RwSignal::new(None::<AlertExplanation>);
    let clip: jobs::Followed = RwSignal::new(None);
    let load = move || {
        spawn_local(async move {
            let d = api::get::<AlertDetail>(&format!("/api/v1/alerts/{id}"))
                .await
                .map_err(|e| e.message);
            let ok = d.as_ref().ok().map(|d| d.alert.clone());
            if detail.try_set(Some(d)).is_some() {
                return;
            }
            let e = api::get::<AlertExplanation>(&format!("/api/v1/alerts/{id}/explain"))
                .await
                .ok();
            let bucket_chart = e.as_ref().is_some_and(|e| !e.points.is_empty());
            if explanation.try_set(e).is_some() || bucket_chart {
                return;
            }
            if let Some(a) = ok {
                let (from, to) = around(a.since_ms, a.resolved_ms.unwrap_or_else(time::now_ms));
                let q = format!("source={}&from={from}&to={to}", api::q(&a.source));
                let series =
                    api::get::<Vec<SeriesPoint>>(&format!("/api/v1/series?{q}&bucket=15m"))
                        .await
                        .unwrap_or_default();
                let fc = api::get::<Vec<ForecastPoint>>(&format!("/api/v1/forecasts?{q}"))
                    .await
                    .unwrap_or_default();
                let _ = chart_data.try_set(Some((series, fc)));
            }
        });
    };
    load();
    events::subscribe(move |e| {
        if let Event::Alert(c) = e
            && c.alert.id == id
        {
            load();
        }
    });
    Effect::new(move |_| {
        let lang = ctx.lang.get();
        if let (Some(e), Some(Ok(d))) = (explanation.get(), detail.get_untracked())
            && !e.points.is_empty()
        {
            let a = d.alert;
            let span = (a.since_ms, a.resolved_ms.unwrap_or_else(time::now_ms));
            let t = |k| crate::i18n::t(lang, k);
            let l = crate::explain::ChartLabels {
                seen: t("explain.seen"),
                usual: t("explain.usual"),
                range: t("explain.range"),
                limit: t("explain.limit"),
                smoothed: t("explain.smoothed"),
                period: t("explain.span"),
            };
            chart::draw(CHART_ID, &crate::explain::chart(&e, span, &l), 360);
        }
    });
    Effect::new(move |_| {
        let lang = ctx.lang.get();
        if let (Some((ps, fc)), Some(Ok(d))) = (chart_data.get(), detail.get_untracked()) {
            let a = d.alert.clone();
            let span = (a.since_ms, a.resolved_ms.unwrap_or_else(time::now_ms));
            let c = chart::timeline(
                &ps,
                None,
                &fc,
                std::slice::from_ref(&a),
                Some(span),
                &chart::Labels::new(lang),
            );
            chart::draw(CHART_ID, &c, 360);
        }
    });
    let act = move |what: &'static str| {
        let text = comment.get_untracked();
        let body = AlertAction {
            comment: (!text.trim().is_empty()).then_some(text),
        };
        action_error.set(None);
        spawn_local(async move {
            match api::send::<_, AlertDetail>("POST", &format!("/api/v1/alerts/{id}/{what}"), &body)
                .await
            {
                Ok(d) => {
                    comment.set(String::new());
                    detail.set(Some(Ok(d)));
                    crate::alerts::reload(ctx.alerts);
                }
                Err(e) => action_error.set(Some(e.message)),
            }
        });
    };
    let judge = move |verdict: AlertVerdict| {
        let text = comment.get_untracked();
        let body = AlertFeedback {
            verdict,
            comment: (!text.trim().is_empty()).then_some(text),
        };
        action_error.set(None);
        spawn_local(async move {
            match api::send::<_, AlertDetail>(
                "POST",
                &format!("/api/v1/alerts/{id}/feedback"),
                &body,
            )
            .await
            {
                Ok(d) => {
                    comment.set(String::new());
                    detail.set(Some(Ok(d)));
                    if let Ok(e) =
                        api::get::<AlertExplanation>(&format!("/api/v1/alerts/{id}/explain")).await
                    {
                        let _ = explanation.try_set(Some(e));
                    }
                }
                Err(e) => action_error.set(Some(e.message)),
            }
        });
    };
    let role = move || ctx.user.get().map(|u| u.role);
    view! {
        <p><a href="#/alerts" id="alert-back">{move || ctx.t("alerts.back")}</a></p>
        {move || match detail.get() {
            None => view! { <p class="loading">{ctx.t("common.loading")}</p> }.into_any(),
            Some(Err(e)) => view! { <ErrorBox message=e/> }.into_any(),
            Some(Ok(d)) => {
                let a = d.alert;
                view! {
                    <h1 class=format!("sev-{}", a.severity.as_str())>
                        {ctx.label(a.rule.label())}" — "{a.source.clone()}
                    </h1>
                    <dl class="alert-facts">
                        <dt>{ctx.t("alerts.severity")}</dt><dd class="severity">{ctx.label(a.severity.label())}</dd>
                        <dt>{ctx.t("alerts.filter_state")}</dt>
                        <dd class="alert-state" data-state=a.state.as_str()>{ctx.label(a.state.label())}</dd>
                        <dt>{ctx.t("alerts.since")}</dt><dd>{time::ymd_hm(a.since_ms)}</dd>
                        <dt>{ctx.t("alerts.when")}</dt><dd>{time::ymd_hm(a.opened_ms)}</dd>
                        {a.resolved_ms.map(|t| view! { <dt>{ctx.t("alerts.ended")}</dt><dd>{time::ymd_hm(t)}</dd> })}
                        <dt>{ctx.t("alerts.what")}</dt><dd id="alert-what">{crate::alerts::describe(ctx.lang.get(), &a)}</dd>
                        {a.track_id.map(|t| view! { <dt>{ctx.t("alerts.goat")}</dt><dd>{t}</dd> })}
                        <dt>{ctx.t("nav.review")}</dt>
                        <dd><a id="alert-review" href=format!("#/review/{}/{}/{}", a.source, time::ymd(a.since_ms), time::hm_s(a.since_ms))>
                            {ctx.t("alerts.watch")}</a>" "
                            {
                                // The recorded video of the alert: a minute before it began to its end (10 min at most).
                                let body = serde_json::json!({
                                    "source": a.source.clone(),
                                    "from_ms": a.since_ms - 60_000,
                                    "to_ms": a.resolved_ms.unwrap_or(a.since_ms + 600_000).clamp(a.since_ms + 10_000, a.since_ms + 600_000),
                                });
                                view! {
                                    <button type="button" id="alert-clip" on:click=move |_| jobs::start("/api/v1/clips", body.clone(), clip)>
                                        {ctx.t("review.clip")}</button>
                                    {jobs::show(clip, "alert-clip", "review.clip_making", "review.clip_download")}
                                }
                            }</dd>
                    </dl>
                }.into_any()
            }
        }}
        {move || match (detail.get(), explanation.get()) {
            (Some(Ok(d)), Some(e)) => {
                let lang = ctx.lang.get();
                let a = d.alert;
                view! {
                    <section class="alert-why" id="alert-why">
                        <h2>{ctx.t("explain.title")}</h2>
                        <p id="alert-why-sentence">{crate::explain::why(lang, &a, &e)}</p>
                        {crate::explain::farm(lang, &e).map(|f| view! { <p id="alert-why-farm">{f}</p> })}
                        {e.residual_sigma.map(|s| view! {
                            <p class="muted" id="alert-why-sigma" data-sigma=format!("{s:.2}")>
                                {format!("{} {:+.1} σ", ctx.t("explain.residual"), s)}
                            </p>
                        })}
                        <p class="muted" id="alert-why-sensitivity" data-factor=format!("{:.3}", e.sensitivity)>
                            {crate::explain::sensitivity(lang, &e)}
                        </p>
                    </section>
                }.into_any()
            }
            _ => ().into_any(),
        }}
        <div id=CHART_ID class="chart alert-chart"></div>
        {move || match detail.get() {
            Some(Ok(d)) => {
                let a = d.alert.clone();
                let can_ack = a.state == AlertState::Open;
                let can_resolve = a.state != AlertState::Resolved
                    && matches!(role(), Some(Role::Admin | Role::Operator));
                let can_judge = matches!(role(), Some(Role::Admin | Role::Operator));
                let verdict = a.feedback;
                view! {
                    <h2>{ctx.t("alerts.history")}</h2>
                    <ol class="alert-history">
                        {d.events.into_iter().map(|e| {
                            view! {
                                <li data-kind=e.kind.as_str()>
                                    <span class="muted">{time::ymd_hm(e.ts_ms)}</span>" "
                                    <strong>{ctx.label(e.kind.label())}</strong>" — "
                                    {e.by.unwrap_or_else(|| ctx.t("alerts.by_engine").to_string())}
                                    {e.comment.map(|c| view! { <q>{c}</q> })}
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                    <form class="alert-actions" on:submit=|ev| ev.prevent_default()>
                        <label>{ctx.t("alerts.comment")}
                            <textarea id="alert-comment" rows="2" maxlength="2000" prop:value=comment
                                on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
                        </label>
                        <div>
                            {can_ack.then(|| view! { <button type="button" id="alert-ack" on:click=move |_| act("ack")>{ctx.t("alerts.ack")}</button> })}
                            {can_resolve.then(|| view! { <button type="button" id="alert-resolve" on:click=move |_| act("resolve")>{ctx.t("alerts.resolve")}</button> })}
                            <button type="button" id="alert-note" on:click=move |_| act("notes")>{ctx.t("alerts.note")}</button>
                        </div>
                        {can_judge.then(|| view! {
                            <div class="alert-judge" data-verdict=verdict.map(|v| v.as_str()).unwrap_or("")>
                                <span>{ctx.t("explain.judge")}</span>
                                <button type="button" id="alert-useful"
                                    class:chosen=verdict == Some(AlertVerdict::Useful)
                                    on:click=move |_| judge(AlertVerdict::Useful)>
                                    {ctx.label(AlertVerdict::Useful.label())}
                                </button>
                                <button type="button" id="alert-false-alarm"
                                    class:chosen=verdict == Some(AlertVerdict::FalseAlarm)
                                    on:click=move |_| judge(AlertVerdict::FalseAlarm)>
                                    {ctx.label(AlertVerdict::FalseAlarm.label())}
                                </button>
                            </div>
                        })}
                        {move || action_error.get().map(|e| view! { <ErrorBox message=e/> })}
                    </form>
                }.into_any()
            }
            _ => ().into_any(),
        }}
        // What vets and farmers noted on this camera around the alert.
        {crate::notes::around(
            Signal::derive(move || match detail.get() {
                Some(Ok(d)) => d.alert.source,
                _ => String::new(),
            }),
            Signal::derive(move || match detail.get() {
                Some(Ok(d)) => (
                    d.alert.since_ms - 2 * 3_600_000,
                    d.alert.resolved_ms.unwrap_or_else(time::now_ms) + 2 * 3_600_000,
                ),
                _ => (0, 0),
            }),
            "alert-notes",
        )}
    }
}
