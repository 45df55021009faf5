//! Alerts shared by every page: counts per camera (badges), kept current by
//! pushed events, and what was seen in words (the names of rules,
//! severities and states are the API's labels).

use std::collections::HashMap;

use animov_api::{Alert, AlertCount, Event, RuleKind};
use leptos::{prelude::*, task::spawn_local};

use crate::{api, app::ctx, events, i18n::Lang, pages::every};

/// Alerts not yet resolved, per camera.
pub type Counts = RwSignal<HashMap<String, AlertCount>>;

/// Reloads the counts.
pub fn reload(counts: Counts) {
    spawn_local(async move {
        if let Ok(all) = api::get::<Vec<AlertCount>>("/api/v1/alerts/summary").await {
            counts.set(all.into_iter().map(|c| (c.source.clone(), c)).collect());
        }
    });
}

/// Keeps `counts` current while the shell is shown: every minute, and at once
/// when an alert changes.
pub fn follow(counts: Counts) {
    every(60_000, move || reload(counts));
    events::subscribe(move |e| {
        if let Event::Alert(_) = e {
            reload(counts);
        }
    });
}

/// What was seen, in the UI's language, from the alert's rule and figures
/// (the engine's English message when the figures are missing).
pub fn describe(lang: Lang, a: &Alert) -> String {
    let (Some(v), Some(t)) = (a.value, a.threshold) else {
        return a.message.clone();
    };
    let fr = lang == Lang::Fr;
    match a.rule {
        RuleKind::CameraOffline if fr => format!("Aucune image depuis {v:.0} min"),
        RuleKind::DiskFull if fr => format!(
            "Disque plein ({v:.0} Mio libres) : l'enregistrement est arrêté, le comptage continue ; il reprend au-delà de {t:.0} Mio libres"
        ),
        RuleKind::DiskFull => format!(
            "Disk full ({v:.0} MiB free): recording stopped, counting goes on; it resumes above {t:.0} MiB free"
        ),
        RuleKind::CameraOffline => format!("No picture for {v:.0} min"),
        RuleKind::HerdCountDrop if fr => format!(
            "{v:.0} chèvres vues ; alerte à {t:.0} ou moins (le compte habituel de cette caméra à cette heure, moins la tolérance)"
        ),
        RuleKind::HerdCountDrop => format!(
            "{v:.0} goats seen; alert at {t:.0} or fewer (this camera's usual count at this time, less the tolerance)"
        ),
        RuleKind::ForecastDeviation if fr => format!(
            "{v:.0} % du troupeau debout, bien en dessous de l'habitude de ce parc à cette heure (alerte sous {t:.0} %)"
        ),
        RuleKind::ForecastDeviation => format!(
            "{v:.0} % of the herd standing, far below this pen's usual for the time (alert below {t:.0} %)"
        ),
        RuleKind::ProlongedLying => {
            let m = v as i64;
            let goat = a.track_id.map(|id| format!(" #{id}")).unwrap_or_default();
            if fr {
                format!(
                    "Chèvre{goat} couchée depuis {} h {:02} en journée (seuil {t:.0} min)",
                    m / 60,
                    m % 60
                )
            } else {
                format!(
                    "Goat{goat} lying for {} h {:02} during the day (limit {t:.0} min)",
                    m / 60,
                    m % 60
                )
            }
        }
        RuleKind::NightDisturbance if fr => format!(
            "{v:.0} % du troupeau debout la nuit ; alerte au-dessus de {t:.0} % (les nuits habituelles de ce parc, plus une marge)"
        ),
        RuleKind::NightDisturbance => format!(
            "{v:.0} % of the herd standing at night; alert above {t:.0} % (this pen's usual nights, plus a margin)"
        ),
        RuleKind::LowActivityDay if fr => format!(
            "Ces dernières heures, en moyenne {:.0} points de moins debout que d'habitude (alerte dès {:.0} : ce parc varie rarement plus)",
            -v, -t
        ),
        RuleKind::LowActivityDay => format!(
            "Over the last hours, {:.0} points less standing than usual on average (alert from {:.0}: this pen seldom varies more)",
            -v, -t
        ),
    }
}

/// The badge of a camera's alerts not yet resolved (nothing when none).
#[component]
pub fn Badge(source: String) -> impl IntoView {
    let ctx = ctx();
    move || {
        ctx.alerts.with(|m| m.get(&source).cloned()).and_then(|c| {
            let n = c.open + c.acknowledged;
            (n > 0).then(|| {
                let class = if c.critical > 0 {
                    "alert-badge critical"
                } else {
                    "alert-badge"
                };
                view! {
                    <a class=class href="#/alerts" data-open=c.open data-active=n
                        title=move || ctx.t("alerts.badge_title")>{format!("⚠ {n}")}</a>
                }
            })
        })
    }
}
