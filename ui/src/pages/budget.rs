//! The Review page's time budgets: a day of the tracked goats' lying
//! against the 7 days before, the Gantt of bouts per goat (a click plays
//! the bout), and the CSV.

use animov_api::TimeBudget;
use leptos::prelude::*;

use crate::{api, app::ctx, review, time};

/// The time-budget section of the day shown.
#[component]
pub fn Budget(
    budget: RwSignal<Option<TimeBudget>>,
    day_start: Signal<i64>,
    seek: Callback<i64>,
) -> impl IntoView {
    let ctx = ctx();
    view! {
            {move || budget.get().map(|b| {
                let d0 = day_start.get();
                let tracks: Vec<i64> = {
                    let mut t: Vec<i64> = b.bouts.iter().map(|x| x.track_id).collect();
                    t.dedup();
                    t
                };
                let prev: Vec<f64> = b.previous.iter().filter(|p| p.lying_min > 0.0).map(|p| p.lying_min).collect();
                let mean = |v: &[f64]| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
                let prev_bouts: Vec<f64> = b.previous.iter().filter(|p| p.lying_min > 0.0).map(|p| f64::from(p.bouts)).collect();
                let fmt = |m: Option<f64>| m.map_or("—".to_string(), |m| format!("{:.0} min", m));
                let csv = api::media(&format!("/api/v1/time-budget.csv?source={}&from={d0}&to={}",
                    api::q(&b.source), time::next_day(d0)));
                view! {
                    <table id="budget-day">
                        <thead><tr><th></th><th>{ctx.t("budget.day")}</th><th>{ctx.t("budget.week")}</th></tr></thead>
                        <tbody>
                            <tr><td>{ctx.t("budget.lying")}</td><td id="budget-lying">{fmt(Some(b.day.lying_min))}</td><td>{fmt(mean(&prev))}</td></tr>
                            <tr><td>{ctx.t("budget.bouts")}</td><td id="budget-bouts">{b.day.bouts}</td>
                                <td>{mean(&prev_bouts).map_or("—".into(), |m| format!("{m:.1}"))}</td></tr>
                            <tr><td>{ctx.t("budget.mean_bout")}</td><td>{fmt(b.day.mean_bout_min)}</td><td></td></tr>
                            <tr><td>{ctx.t("budget.goats")}</td><td>{b.day.goats}</td><td></td></tr>
                        </tbody>
                    </table>
                    <div class="budget-hours" id="budget-hours">
                        {b.hours.iter().map(|h| {
                            let pct = (h.lying_min / 60.0 / f64::from(b.day.goats.max(1)) * 100.0).clamp(0.0, 100.0);
                            view! { <span title=format!("{} · {:.0} min · {} bouts", time::hm(h.start_ms), h.lying_min, h.bouts)
                                style=format!("height:{pct:.0}%")></span> }
                        }).collect_view()}
                    </div>
                    <div class="gantt" id="budget-gantt" data-tracks=tracks.len()>
                        {tracks.iter().take(60).map(|t| {
                            let t = *t;
                            view! {
                                <div class="gantt-row" data-track=t>
                                    <span class="gantt-label">{format!("#{t}")}</span>
                                    <span class="gantt-lane">
                                        {b.bouts.iter().filter(|x| x.track_id == t).map(|x| {
                                            let (a, e) = (review::pct(d0, x.start_ms), review::pct(d0, x.end_ms));
                                            let start = x.start_ms;
                                            view! { <span class="gantt-bout" style=format!("left:{a:.3}%;width:{:.3}%", (e - a).max(0.2))
                                                title=format!("{} – {}", time::hm(x.start_ms), time::hm(x.end_ms))
                                                on:click=move |_| seek.run(start)></span> }
                                        }).collect_view()}
                                    </span>
                                </div>
                            }
                        }).collect_view()}
                    </div>
                    <p><a id="budget-csv" href=csv download="">{ctx.t("budget.csv")}</a></p>
                }
            })}
    }
}
