//! The backtests of the last retraining, camera by camera: each candidate
//! model's error next to the baselines' and the production model's, as a
//! chart and a table.

use animov_api::{BacktestRole, BacktestRow, CameraRetrain};
use leptos::prelude::*;

use crate::{app::ctx, chart};

const CHART_ID: &str = "backtest-chart";

fn pct(v: Option<f64>) -> String {
    v.map_or("—".into(), |v| format!("{:.0} %", v * 100.0))
}

fn rmse(v: Option<f64>) -> String {
    v.map_or("—".into(), |v| format!("{v:.2}"))
}

/// Chart and table of one camera's backtests (the cameras of a run that have any).
#[component]
pub fn Backtests(cameras: Vec<CameraRetrain>) -> impl IntoView {
    let ctx = ctx();
    let cams: Vec<CameraRetrain> = cameras
        .into_iter()
        .filter(|c| !c.backtest.is_empty())
        .collect();
    if cams.is_empty() {
        return ().into_any();
    }
    let picked = RwSignal::new(cams[0].source.clone());
    let cams = StoredValue::new(cams);
    let rows = move || {
        cams.with_value(|cs| {
            cs.iter()
                .find(|c| c.source == picked.get())
                .map(|c| c.backtest.clone())
                .unwrap_or_default()
        })
    };
    Effect::new(move |_| {
        let r = rows();
        let names = chart::BacktestLabels {
            rmse: ctx.t("backtest.rmse"),
            chosen: ctx.t("backtest.chosen"),
        };
        chart::draw(CHART_ID, &chart::backtest_bars(&r, &names), 260);
    });
    let role = move |r: BacktestRole| match r {
        BacktestRole::Candidate => ctx.t("backtest.candidate"),
        BacktestRole::Baseline => ctx.t("backtest.baseline"),
        BacktestRole::Production => ctx.t("backtest.production"),
    };
    view! {
        <h3>{move || ctx.t("backtest.title")}</h3>
        <p class="muted">{move || ctx.t("backtest.help")}</p>
        <label>{move || ctx.t("timeline.camera")}" "
            <select id="backtest-camera" on:change=move |ev| picked.set(event_target_value(&ev))>
                {cams.with_value(|cs| cs.iter().map(|c| view! { <option value=c.source.clone()>{c.source.clone()}</option> }).collect_view())}
            </select>
        </label>
        <div id=CHART_ID class="chart short"></div>
        <table id="backtest-table" class="models">
            <thead><tr>
                <th>{move || ctx.t("backtest.method")}</th><th>{move || ctx.t("backtest.role")}</th>
                <th>{move || ctx.t("backtest.rmse")}</th><th>{move || ctx.t("backtest.coverage")}</th>
                <th>{move || ctx.t("backtest.per_fold")}</th><th></th>
            </tr></thead>
            <tbody>{move || rows().into_iter().map(|r: BacktestRow| view! {
                <tr data-role=format!("{:?}", r.role).to_lowercase() data-chosen=r.chosen.to_string()>
                    <td>{r.method.clone()}</td><td>{role(r.role)}</td>
                    <td class="num">{rmse(r.rmse)}</td><td class="num">{pct(r.coverage95)}</td>
                    <td>{r.fold_rmse.iter().map(|v| rmse(*v)).collect::<Vec<_>>().join(" · ")}</td>
                    <td>{if r.chosen { ctx.t("backtest.chosen").to_string() } else { r.error.clone().unwrap_or_default() }}</td>
                </tr>
            }).collect_view()}</tbody>
        </table>
    }
    .into_any()
}
