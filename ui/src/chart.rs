//! Charts with charming (ECharts, bundled with the UI: nothing loads from the internet).

use animov_api::{Alert, ForecastPoint, SeriesPoint, Severity};
use charming::{
    Chart, WasmRenderer,
    component::{Axis, DataZoom, DataZoomType, Grid, Legend},
    datatype::{CompositeValue, DataPoint},
    element::Symbol,
    element::{AreaStyle, AxisType, LineStyle, Tooltip, Trigger},
    series::{Line, Scatter},
};
use wasm_bindgen::{JsCast, JsValue, prelude::wasm_bindgen};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = echarts, js_name = getInstanceByDom)]
    fn instance_by_dom(el: &web_sys::Element) -> JsValue;
}

pub(crate) fn point(ts: i64, y: f64) -> DataPoint {
    DataPoint::from(CompositeValue::Array(vec![
        CompositeValue::from(ts as f64),
        CompositeValue::from(y),
    ]))
}

pub(crate) fn gap_point(ts: i64) -> DataPoint {
    DataPoint::from(CompositeValue::Array(vec![
        CompositeValue::from(ts as f64),
        CompositeValue::from(None::<f64>),
    ]))
}

/// Colours: standing green, lying blue, ratio orange.
pub const STANDING: &str = "#2e7d32";
/// Lying.
pub const LYING: &str = "#1565c0";
/// Standing share.
pub const RATIO: &str = "#ef6c00";
/// Forecast of the standing share.
pub const FORECAST: &str = "#8e24aa";

/// Labels of the timeline chart in the current language.
pub struct Labels {
    /// Standing.
    pub standing: &'static str,
    /// Lying.
    pub lying: &'static str,
    /// Standing share.
    pub ratio: &'static str,
    /// min–max band suffix.
    pub range: &'static str,
    /// Forecast of the standing share.
    pub forecast: &'static str,
    /// Alert markers.
    pub alerts: &'static str,
    /// The span of the alert shown.
    pub period: &'static str,
}

impl Labels {
    /// The labels in `lang`.
    pub fn new(lang: crate::i18n::Lang) -> Labels {
        let t = |k| crate::i18n::t(lang, k);
        Labels {
            standing: t("common.standing"),
            lying: t("common.lying"),
            ratio: t("common.ratio"),
            range: t("timeline.range"),
            forecast: t("timeline.forecast"),
            alerts: t("alerts.markers"),
            period: t("alerts.period"),
        }
    }
}

/// Alerts: red for critical, amber for warnings.
pub const CRITICAL: &str = "#c62828";
/// Warnings.
pub const WARNING: &str = "#f9a825";

/// Pins at the top of the share axis where alerts were raised, and (for one
/// alert shown in detail) the shaded span of its condition.
fn alert_layers(
    mut chart: Chart,
    alerts: &[Alert],
    span: Option<(i64, i64)>,
    name: &str,
    period: &str,
) -> Chart {
    if let Some((from, to)) = span {
        for s in band(
            name,
            period,
            CRITICAL,
            &[(from, 0.0, 100.0), (to, 0.0, 100.0)],
            1,
        ) {
            chart = chart.series(s);
        }
    }
    for (sev, color) in [(Severity::Warning, WARNING), (Severity::Critical, CRITICAL)] {
        let pins: Vec<DataPoint> = alerts
            .iter()
            .filter(|a| a.severity == sev)
            .map(|a| point(a.opened_ms, 97.0))
            .collect();
        if !pins.is_empty() {
            chart = chart.series(
                Scatter::new()
                    .name(name.to_string())
                    .symbol(Symbol::Pin)
                    .symbol_size(28)
                    .y_axis_index(1.0)
                    .item_style(charming::element::ItemStyle::new().color(color))
                    .data(pins),
            );
        }
    }
    chart
}

/// A shaded band named "`name` `stack`" (see [`named_band`]).
fn band(name: &str, stack: &str, color: &str, data: &[(i64, f64, f64)], axis: u8) -> [Line; 2] {
    named_band(&format!("{name} {stack}"), stack, color, data, axis)
}

/// A shaded band between `lo` and `hi` per time, shown as `label`: two
/// lines stacked on `stack`, invisible (the lower bound, then the width with
/// its area filled).
pub(crate) fn named_band(
    label: &str,
    stack: &str,
    color: &str,
    data: &[(i64, f64, f64)],
    axis: u8,
) -> [Line; 2] {
    let layer = |y: &dyn Fn(&(i64, f64, f64)) -> f64| {
        Line::new()
            .name(label.to_string())
            .stack(stack.to_string())
            .show_symbol(false)
            .y_axis_index(f64::from(axis))
            .line_style(LineStyle::new().opacity(0.0))
            .item_style(
                charming::element::ItemStyle::new()
                    .color(color)
                    .opacity(0.3),
            )
            .data(data.iter().map(|p| point(p.0, y(p))).collect::<Vec<_>>())
    };
    let base = layer(&|p| p.1);
    let width = layer(&|p| p.2 - p.1).area_style(AreaStyle::new().color(color).opacity(0.15));
    [base, width]
}

fn min_max(
    points: &[SeriesPoint],
    lo: fn(&SeriesPoint) -> i64,
    hi: fn(&SeriesPoint) -> i64,
) -> Vec<(i64, f64, f64)> {
    points
        .iter()
        .map(|p| (p.ts, lo(p) as f64, hi(p) as f64))
        .collect()
}

/// Standing and lying medians with their min–max bands, and the standing share
/// (second axis, %) with its forecast band and the alerts raised. `compare`
/// overlays another series (already shifted in time); `span` shades one
/// alert's time.
pub fn timeline(
    points: &[SeriesPoint],
    compare: Option<(&str, &[SeriesPoint])>,
    forecast: &[ForecastPoint],
    alerts: &[Alert],
    span: Option<(i64, i64)>,
    l: &Labels,
) -> Chart {
    let mut chart = Chart::new()
        .animation(false)
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .legend(Legend::new().top("bottom"))
        .grid(Grid::new().left(50).right(55).top(30).bottom(95))
        .x_axis(Axis::new().type_(AxisType::Time))
        .y_axis(Axis::new().type_(AxisType::Value).min(0))
        .y_axis(Axis::new().type_(AxisType::Value).min(0).max(100).name("%"))
        .data_zoom(DataZoom::new().type_(DataZoomType::Inside))
        .data_zoom(DataZoom::new().type_(DataZoomType::Slider).bottom(40));
    let standing = min_max(points, |p| p.standing_min, |p| p.standing_max);
    for s in band(l.standing, l.range, STANDING, &standing, 0) {
        chart = chart.series(s);
    }
    let lying = min_max(points, |p| p.lying_min, |p| p.lying_max);
    for s in band(l.lying, &format!("{} ", l.range), LYING, &lying, 0) {
        chart = chart.series(s);
    }
    if !forecast.is_empty() {
        // The forecast of the standing share: its 95 % interval and its mean (dashed).
        let interval: Vec<(i64, f64, f64)> = forecast
            .iter()
            .map(|f| (f.ts, f.lower95, f.upper95))
            .collect();
        for s in band(l.forecast, "95 %", FORECAST, &interval, 1) {
            chart = chart.series(s);
        }
        chart = chart.series(
            Line::new()
                .name(l.forecast.to_string())
                .show_symbol(false)
                .y_axis_index(1.0)
                .line_style(
                    LineStyle::new()
                        .color(FORECAST)
                        .width(2)
                        .type_(charming::element::LineStyleType::Dashed),
                )
                .item_style(charming::element::ItemStyle::new().color(FORECAST))
                .data(
                    forecast
                        .iter()
                        .map(|f| point(f.ts, f.mean))
                        .collect::<Vec<_>>(),
                ),
        );
    }
    chart = chart
        .series(line(l.standing, STANDING, points, |p| Some(p.standing), 0))
        .series(line(l.lying, LYING, points, |p| Some(p.lying), 0))
        .series(line(l.ratio, RATIO, points, |p| p.ratio_standing, 1));
    chart = alert_layers(chart, alerts, span, l.alerts, l.period);
    if let Some((name, other)) = compare {
        chart = chart.series(
            line(
                &format!("{} ({name})", l.ratio),
                "#999999",
                other,
                |p| p.ratio_standing,
                1,
            )
            .line_style(
                LineStyle::new()
                    .color("#999999")
                    .type_(charming::element::LineStyleType::Dashed),
            ),
        );
    }
    chart
}

fn line(
    name: &str,
    color: &str,
    points: &[SeriesPoint],
    y: fn(&SeriesPoint) -> Option<f64>,
    axis: u8,
) -> Line {
    Line::new()
        .name(name.to_string())
        .show_symbol(false)
        .y_axis_index(f64::from(axis))
        .line_style(LineStyle::new().color(color).width(2))
        .item_style(charming::element::ItemStyle::new().color(color))
        .data(
            points
                .iter()
                .map(|p| y(p).map_or_else(|| gap_point(p.ts), |v| point(p.ts, v)))
                .collect::<Vec<_>>(),
        )
}

/// A small chart of the standing share over the day.
pub fn ratio_sparkline(points: &[SeriesPoint], from: i64, to: i64) -> Chart {
    Chart::new()
        .animation(false)
        .grid(Grid::new().left(30).right(8).top(8).bottom(20))
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .x_axis(
            Axis::new()
                .type_(AxisType::Time)
                .min(from as f64)
                .max(to as f64),
        )
        .y_axis(Axis::new().type_(AxisType::Value).min(0).max(100))
        .series(
            line("%", RATIO, points, |p| p.ratio_standing, 0)
                .y_axis_index(0.0)
                .area_style(AreaStyle::new().color(RATIO).opacity(0.2)),
        )
}

/// Labels of the backtest chart.
pub struct BacktestLabels {
    /// The error measure.
    pub rmse: &'static str,
    /// The candidate kept.
    pub chosen: &'static str,
}

/// Bars of each method's backtest RMSE: candidates purple (the chosen one
/// darker), baselines grey, the production model orange.
pub fn backtest_bars(rows: &[animov_api::BacktestRow], l: &BacktestLabels) -> Chart {
    use animov_api::BacktestRole;
    let names: Vec<String> = rows
        .iter()
        .map(|r| {
            if r.chosen {
                format!("{} ({})", r.method, l.chosen)
            } else {
                r.method.clone()
            }
        })
        .collect();
    let bars: Vec<DataPoint> = rows
        .iter()
        .map(|r| {
            let colour = match (r.role, r.chosen) {
                (BacktestRole::Candidate, true) => "#4a148c",
                (BacktestRole::Candidate, false) => FORECAST,
                (BacktestRole::Baseline, _) => "#9e9e9e",
                (BacktestRole::Production, _) => RATIO,
            };
            DataPoint::Item(
                charming::datatype::DataPointItem::new(r.rmse.unwrap_or(0.0))
                    .item_style(charming::element::ItemStyle::new().color(colour)),
            )
        })
        .collect();
    Chart::new()
        .animation(false)
        .grid(Grid::new().left(50).right(10).top(20).bottom(70))
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .x_axis(
            Axis::new()
                .type_(AxisType::Category)
                .data(names)
                .axis_label(charming::element::AxisLabel::new().rotate(20)),
        )
        .y_axis(Axis::new().type_(AxisType::Value).name(l.rmse))
        .series(charming::series::Bar::new().name(l.rmse).data(bars))
}

/// Draws `chart` in the element `id` (replacing what was there).
pub fn draw(id: &str, chart: &Chart, height: u32) {
    let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
    else {
        return;
    };
    dispose(&el);
    let width = el
        .dyn_ref::<web_sys::HtmlElement>()
        .map_or(800, |e| e.offset_width().max(300) as u32);
    if let Err(e) = WasmRenderer::new(width, height).render(id, chart) {
        web_sys::console::error_1(&format!("chart: {e:?}").into());
    }
}

fn dispose(el: &web_sys::Element) {
    let inst = instance_by_dom(el);
    if inst.is_object()
        && let Ok(f) = js_sys::Reflect::get(&inst, &"dispose".into())
        && let Some(f) = f.dyn_ref::<js_sys::Function>()
    {
        let _ = f.call0(&inst);
    }
}

/// The chart in element `id` as a PNG data URL.
pub fn png_data_url(id: &str) -> Option<String> {
    let el = web_sys::window()?.document()?.get_element_by_id(id)?;
    let inst = instance_by_dom(&el);
    let f = js_sys::Reflect::get(&inst, &"getDataURL".into())
        .ok()?
        .dyn_into::<js_sys::Function>()
        .ok()?;
    let opts = js_sys::Object::new();
    js_sys::Reflect::set(&opts, &"type".into(), &"png".into()).ok()?;
    js_sys::Reflect::set(&opts, &"pixelRatio".into(), &2.into()).ok()?;
    js_sys::Reflect::set(&opts, &"backgroundColor".into(), &"#ffffff".into()).ok()?;
    f.call1(&inst, &opts).ok()?.as_string()
}
