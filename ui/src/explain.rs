//! Why an alert fired: one sentence in the UI's language from the
//! explanation's figures, the farm's other pens, the farmer's judgements,
//! and the chart of what was seen against the usual range and the limit.

use animov_api::{Alert, AlertExplanation, ExplainUnit, RuleKind, UsualBasis};
use charming::{
    Chart,
    component::{Axis, Grid, Legend},
    element::{AxisType, ItemStyle, LineStyle, LineStyleType, Tooltip, Trigger},
    series::Line,
};

use crate::{
    chart::{CRITICAL, FORECAST, RATIO, gap_point, named_band, point},
    i18n::Lang,
    time,
};

/// Usual range and median: grey-green.
const USUAL: &str = "#607d8b";

/// The sentence saying why the rule fired.
pub fn why(lang: Lang, a: &Alert, e: &AlertExplanation) -> String {
    let fr = lang == Lang::Fr;
    let at = e.fired_ms.map(time::hm).unwrap_or_default();
    let fired = e
        .fired_ms
        .and_then(|t| e.points.iter().find(|p| p.ts_ms == t));
    let (low, high) = fired
        .map(|p| (p.low.unwrap_or(0.0), p.high.unwrap_or(0.0)))
        .unwrap_or_default();
    let sigma = e
        .residual_sigma
        .map(|s| format!("{:.1} σ", s.abs()))
        .unwrap_or_else(|| "—".into());
    let days = e.history_days;
    let (Some(v), Some(limit)) = (e.observed.or(a.value), e.limit.or(a.threshold)) else {
        return crate::alerts::describe(lang, a);
    };
    let exp = e.expected.unwrap_or(0.0);
    let usual = |fr: bool| match (e.basis, fr) {
        (UsualBasis::ForecastPrior, true) => format!(
            "la prévision attendait {exp:.0} % ({low:.0}–{high:.0} % ; ce parc avait moins de 3 jours à lui)"
        ),
        (UsualBasis::ForecastPrior, false) => format!(
            "the forecast expected {exp:.0} % ({low:.0}–{high:.0} %; this pen had under 3 days of its own)"
        ),
        (_, true) => format!(
            "ce parc a d'habitude {exp:.0} % à cette heure ({low:.0}–{high:.0} % sur ses {days} derniers jours)"
        ),
        (_, false) => format!(
            "this pen usually has {exp:.0} % at that time ({low:.0}–{high:.0} % over its last {days} days)"
        ),
    };
    match a.rule {
        RuleKind::ForecastDeviation if fr => format!(
            "À {at}, {v:.0} % du troupeau était debout alors que {} : {:.0} points sous cette plage, soit {sigma} de son écart habituel d'un jour à l'autre, au-delà de la marge de {:.0} points.",
            usual(true),
            low - v,
            low - limit
        ),
        RuleKind::ForecastDeviation => format!(
            "At {at}, {v:.0} % of the herd stood while {}: {:.0} points below that range, {sigma} of its usual day-to-day spread, beyond the {:.0}-point margin.",
            usual(false),
            low - v,
            low - limit
        ),
        RuleKind::NightDisturbance if fr => format!(
            "À {at} cette nuit, {v:.0} % du troupeau était debout alors que {} : {:.0} points au-dessus, soit {sigma}, plus que la limite de {limit:.0} %.",
            usual(true),
            v - high
        ),
        RuleKind::NightDisturbance => format!(
            "At {at} at night, {v:.0} % of the herd stood while {}: {:.0} points above, {sigma}, over the {limit:.0} % limit.",
            usual(false),
            v - high
        ),
        RuleKind::LowActivityDay if fr => format!(
            "Depuis le matin, le troupeau est resté debout en moyenne {:.0} points de moins que la plage habituelle de ce parc, soit {sigma} de l'écart habituel de cette moyenne ({:.1} points) ; l'alerte part à {:.0} points.",
            -v,
            e.spread.unwrap_or(0.0),
            -limit
        ),
        RuleKind::LowActivityDay => format!(
            "Since the morning the herd stood on average {:.0} points less than this pen's usual range, {sigma} of that average's usual day-to-day swing ({:.1} points); the alert fires from {:.0} points.",
            -v,
            e.spread.unwrap_or(0.0),
            -limit
        ),
        RuleKind::HerdCountDrop => {
            let herd = e.basis == UsualBasis::HerdSize;
            match (fr, herd) {
                (true, false) => format!(
                    "À {at}, {v:.0} chèvres vues alors que cette caméra en voit d'habitude {exp:.0} à cette heure : {:.0} de moins ; l'alerte part à {:.0} de moins pendant 30 min.",
                    exp - v,
                    exp - limit
                ),
                (true, true) => format!(
                    "À {at}, {v:.0} chèvres vues pour un troupeau de {exp:.0} (cette caméra avait moins de 3 jours de comptes) ; l'alerte part à {:.0} de moins pendant 30 min.",
                    exp - limit
                ),
                (false, false) => format!(
                    "At {at}, {v:.0} goats seen while this camera usually sees {exp:.0} at that time: {:.0} fewer; the alert fires from {:.0} fewer for 30 min.",
                    exp - v,
                    exp - limit
                ),
                (false, true) => format!(
                    "At {at}, {v:.0} goats seen for a herd of {exp:.0} (this camera had under 3 days of counts); the alert fires from {:.0} fewer for 30 min.",
                    exp - limit
                ),
            }
        }
        RuleKind::CameraOffline | RuleKind::ProlongedLying | RuleKind::DiskFull => {
            crate::alerts::describe(lang, a)
        }
    }
}

/// What the farm's other pens did, if the alert had any.
pub fn farm(lang: Lang, e: &AlertExplanation) -> Option<String> {
    let f = e.farm.as_ref()?;
    let fr = lang == Lang::Fr;
    Some(match (f.moved, f.shift != 0.0, fr) {
        (0, _, true) => format!(
            "Les {} autres parcs de la ferme n'ont pas bougé ainsi : ce parc seul.",
            f.others
        ),
        (0, _, false) => format!(
            "The farm's {} other pens did not move this way: this pen alone.",
            f.others
        ),
        (m, true, true) => format!(
            "{m} des {} autres parcs ont bougé dans le même sens ; la plage habituelle de ce parc a été décalée des {:.0} points qu'ils partageaient.",
            f.others,
            f.shift.abs()
        ),
        (m, true, false) => format!(
            "{m} of the farm's {} other pens moved the same way; this pen's usual range was moved by the {:.0} points they shared.",
            f.others,
            f.shift.abs()
        ),
        (m, false, true) => format!(
            "{m} des {} autres parcs ont aussi bougé dans ce sens, mais pas la majorité.",
            f.others
        ),
        (m, false, false) => format!(
            "{m} of the farm's {} other pens moved this way too, but not most of them.",
            f.others
        ),
    })
}

/// How the farmer's judgements tune this rule on this camera.
pub fn sensitivity(lang: Lang, e: &AlertExplanation) -> String {
    let fr = lang == Lang::Fr;
    let tuned = e.rule.tuned_by_feedback();
    let pct = (e.sensitivity * 100.0).round();
    match (tuned, e.false_alarms + e.useful, fr) {
        (false, _, true) => "Une chèvre manquante ou une caméra muette sont des faits : votre avis est noté mais ne règle pas cette alerte.".into(),
        (false, _, false) => "A missing goat or a silent camera is a fact: your judgement is recorded but does not tune this alert.".into(),
        (true, 0, true) => "Aucun avis encore : les limites sont celles réglées. Dites si cette alerte était utile ; la règle en tient compte pour cette caméra (chaque fausse alerte élargit ses limites de 15 %, chaque alerte utile les resserre de 5 %, entre 80 et 150 %).".into(),
        (true, 0, false) => "No judgement yet: the limits are as set. Say whether this alert was useful; the rule learns from it for this camera (each false alarm widens its limits by 15 %, each useful one narrows them by 5 %, between 80 and 150 %).".into(),
        (true, _, true) => format!(
            "Vos avis sur cette règle pour cette caméra ({} fausse(s) alerte(s), {} utile(s), 60 derniers jours) placent ses limites à {pct} % de celles réglées (entre 80 et 150 %).",
            e.false_alarms, e.useful
        ),
        (true, _, false) => format!(
            "Your judgements on this rule for this camera ({} false alarm(s), {} useful, last 60 days) set its limits to {pct} % of the set ones (between 80 and 150 %).",
            e.false_alarms, e.useful
        ),
    }
}

/// Labels of the explanation chart.
pub struct ChartLabels {
    /// What was seen.
    pub seen: &'static str,
    /// The usual (median).
    pub usual: &'static str,
    /// The usual range.
    pub range: &'static str,
    /// The rule's limit.
    pub limit: &'static str,
    /// The running average.
    pub smoothed: &'static str,
    /// The alert's span.
    pub period: &'static str,
}

fn dashed(name: &str, color: &str, data: Vec<charming::datatype::DataPoint>) -> Line {
    Line::new()
        .name(name.to_string())
        .show_symbol(false)
        .line_style(
            LineStyle::new()
                .color(color)
                .width(2)
                .type_(LineStyleType::Dashed),
        )
        .item_style(ItemStyle::new().color(color))
        .data(data)
}

/// What was seen against the usual range, the usual and the limit, with the
/// alert's span shaded.
pub fn chart(e: &AlertExplanation, span: (i64, i64), l: &ChartLabels) -> Chart {
    let pts = &e.points;
    let series = |y: fn(&animov_api::ExplainPoint) -> Option<f64>| {
        pts.iter()
            .map(|p| y(p).map_or_else(|| gap_point(p.ts_ms), |v| point(p.ts_ms, v)))
            .collect::<Vec<_>>()
    };
    let top = match e.unit {
        ExplainUnit::Percent => 100.0,
        _ => {
            pts.iter()
                .flat_map(|p| [p.observed, p.expected])
                .flatten()
                .fold(1.0_f64, f64::max)
                + 2.0
        }
    };
    let unit = if e.unit == ExplainUnit::Percent {
        "%"
    } else {
        ""
    };
    let mut c = Chart::new()
        .animation(false)
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .legend(Legend::new().top("bottom"))
        .grid(Grid::new().left(50).right(20).top(20).bottom(60))
        .x_axis(Axis::new().type_(AxisType::Time))
        .y_axis(
            Axis::new()
                .type_(AxisType::Value)
                .min(0)
                .max(top)
                .name(unit),
        );
    for s in named_band(
        l.period,
        "alert-span",
        CRITICAL,
        &[(span.0, 0.0, top), (span.1, 0.0, top)],
        0,
    ) {
        c = c.series(s);
    }
    let range: Vec<(i64, f64, f64)> = pts
        .iter()
        .filter_map(|p| Some((p.ts_ms, p.low?, p.high?)))
        .collect();
    if !range.is_empty() {
        for s in named_band(l.range, "usual-range", USUAL, &range, 0) {
            c = c.series(s);
        }
    }
    c = c
        .series(dashed(l.usual, USUAL, series(|p| p.expected)))
        .series(dashed(l.limit, CRITICAL, series(|p| p.limit)));
    if pts.iter().any(|p| p.smoothed.is_some()) {
        c = c.series(dashed(l.smoothed, FORECAST, series(|p| p.smoothed)));
    }
    c.series(
        Line::new()
            .name(l.seen.to_string())
            .show_symbol(false)
            .line_style(LineStyle::new().color(RATIO).width(3))
            .item_style(ItemStyle::new().color(RATIO))
            .data(series(|p| p.observed)),
    )
}
