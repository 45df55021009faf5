//! Settings › alert rules of one camera (admin): each rule on or off and its
//! main limit; the other settings keep what the API holds.

use animov_api::{AlertRules, Camera};
use leptos::{prelude::*, task::spawn_local};

use super::ErrorBox;
use crate::{api, app::ctx};

/// One editable line: the rule, whether it is on, its main limit and unit.
struct Line {
    rule: animov_api::RuleKind,
    unit: &'static str,
    get: fn(&AlertRules) -> (bool, f64),
    set: fn(&mut AlertRules, bool, f64),
}

const LINES: [Line; 6] = [
    Line {
        rule: animov_api::RuleKind::CameraOffline,
        unit: "s",
        get: |r| {
            (
                r.camera_offline.enabled,
                f64::from(r.camera_offline.after_seconds),
            )
        },
        set: |r, on, v| {
            r.camera_offline.enabled = on;
            r.camera_offline.after_seconds = v as u32;
        },
    },
    Line {
        rule: animov_api::RuleKind::HerdCountDrop,
        unit: "rules.unit_goats",
        get: |r| {
            (
                r.herd_count_drop.enabled,
                f64::from(r.herd_count_drop.tolerance),
            )
        },
        set: |r, on, v| {
            r.herd_count_drop.enabled = on;
            r.herd_count_drop.tolerance = v as u32;
        },
    },
    Line {
        rule: animov_api::RuleKind::ForecastDeviation,
        unit: "× 15 min",
        get: |r| {
            (
                r.forecast_deviation.enabled,
                f64::from(r.forecast_deviation.warning_buckets),
            )
        },
        set: |r, on, v| {
            r.forecast_deviation.enabled = on;
            r.forecast_deviation.warning_buckets = v as u32;
            r.forecast_deviation.critical_buckets =
                r.forecast_deviation.critical_buckets.max(v as u32);
        },
    },
    Line {
        rule: animov_api::RuleKind::NightDisturbance,
        unit: "%",
        get: |r| {
            (
                r.night_disturbance.enabled,
                r.night_disturbance.min_excess_pct,
            )
        },
        set: |r, on, v| {
            r.night_disturbance.enabled = on;
            r.night_disturbance.min_excess_pct = v;
        },
    },
    Line {
        rule: animov_api::RuleKind::ProlongedLying,
        unit: "min",
        get: |r| {
            (
                r.prolonged_lying.enabled,
                f64::from(r.prolonged_lying.minutes),
            )
        },
        set: |r, on, v| {
            r.prolonged_lying.enabled = on;
            r.prolonged_lying.minutes = v as u32;
            r.prolonged_lying.critical_minutes = r.prolonged_lying.critical_minutes.max(v as u32);
        },
    },
    Line {
        rule: animov_api::RuleKind::LowActivityDay,
        unit: "%",
        get: |r| (r.low_activity_day.enabled, r.low_activity_day.min_shift_pct),
        set: |r, on, v| {
            r.low_activity_day.enabled = on;
            r.low_activity_day.min_shift_pct = v;
        },
    },
];

/// The rules form.
#[component]
pub fn AlertRulesForm(cameras: Vec<Camera>) -> impl IntoView {
    let ctx = ctx();
    let source = RwSignal::new(
        cameras
            .first()
            .map(|c| c.source.clone())
            .unwrap_or_default(),
    );
    let rules = RwSignal::new(None::<Result<AlertRules, String>>);
    let status = RwSignal::new(None::<Result<(), String>>);
    Effect::new(move |_| {
        let src = source.get();
        if src.is_empty() {
            return;
        }
        status.set(None);
        spawn_local(async move {
            let r =
                api::get::<AlertRules>(&format!("/api/v1/alerts/rules?source={}", api::q(&src)))
                    .await;
            rules.set(Some(r.map_err(|e| e.message)));
        });
    });
    let save = move |_| {
        let Some(Ok(r)) = rules.get_untracked() else {
            return;
        };
        let src = source.get_untracked();
        spawn_local(async move {
            let path = format!("/api/v1/alerts/rules?source={}", api::q(&src));
            let res = api::send::<_, AlertRules>("PUT", &path, &r).await;
            status.set(Some(res.map(|_| ()).map_err(|e| e.message)));
        });
    };
    view! {
        <h2>{move || ctx.t("rules.title")}</h2>
        <label>{move || ctx.t("alerts.filter_camera")}" "
            <select id="rules-camera" prop:value=source on:change=move |ev| source.set(event_target_value(&ev))>
                {cameras.into_iter().map(|c| view! { <option value=c.source.clone()>{c.name}</option> }).collect_view()}
            </select>
        </label>
        {move || match rules.get() {
            None => view! { <p class="loading">{ctx.t("common.loading")}</p> }.into_any(),
            Some(Err(e)) => view! { <ErrorBox message=e/> }.into_any(),
            Some(Ok(r)) => view! {
                <table class="cameras rules">
                    <thead><tr><th>{ctx.t("alerts.rule")}</th><th>{ctx.t("rules.on")}</th><th>{ctx.t("rules.limit")}</th></tr></thead>
                    <tbody>
                        {LINES.iter().enumerate().map(|(i, l)| {
                            let (on, v) = (l.get)(&r);
                            let unit = if l.unit.starts_with("rules.") { ctx.t(l.unit) } else { l.unit };
                            view! {
                                <tr data-rule=l.rule.as_str()>
                                    <td>{ctx.label(l.rule.label())}</td>
                                    <td><input type="checkbox" class="rule-on" prop:checked=on on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        rules.update(|x| if let Some(Ok(x)) = x { let (_, v) = (LINES[i].get)(x); (LINES[i].set)(x, on, v) });
                                    }/></td>
                                    <td><input type="number" class="rule-limit" min="0" step="any" prop:value=v.to_string() on:change=move |ev| {
                                        if let Ok(v) = event_target_value(&ev).trim().parse::<f64>() {
                                            rules.update(|x| if let Some(Ok(x)) = x { let (on, _) = (LINES[i].get)(x); (LINES[i].set)(x, on, v) });
                                        }
                                    }/>" "{unit}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any(),
        }}
        <p>
            <button type="button" id="rules-save" on:click=save>{move || ctx.t("common.save")}</button>
            {move || match status.get() {
                Some(Ok(())) => view! { <span class="ok" id="rules-ok">{ctx.t("common.saved")}</span> }.into_any(),
                Some(Err(e)) => view! { <ErrorBox message=e/> }.into_any(),
                None => ().into_any(),
            }}
        </p>
    }
}
