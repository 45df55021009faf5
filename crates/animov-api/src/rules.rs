//! Alert rule settings of one camera, with the checks that refuse settings
//! that cannot work (used by the API and by `animov alerts replay`).

use serde::{Deserialize, Serialize};

use crate::FieldError;

/// Settings of every rule of one camera (`GET`/`PUT /api/v1/alerts/rules?source=`).
/// Absent fields take their defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct AlertRules {
    /// Local time of the farm, minutes from UTC (for day and night).
    pub utc_offset_minutes: i32,
    /// Observed ratio outside the forecast's 95 % interval.
    pub forecast_deviation: ForecastDeviationRule,
    /// No frames.
    pub camera_offline: CameraOfflineRule,
    /// Goats missing from the count.
    pub herd_count_drop: HerdCountDropRule,
    /// One goat lying long during the day.
    pub prolonged_lying: ProlongedLyingRule,
    /// Standing at night.
    pub night_disturbance: NightDisturbanceRule,
    /// Low standing time over the day.
    pub low_activity_day: LowActivityDayRule,
}

impl Default for AlertRules {
    fn default() -> Self {
        AlertRules {
            utc_offset_minutes: 60,
            forecast_deviation: ForecastDeviationRule::default(),
            camera_offline: CameraOfflineRule::default(),
            herd_count_drop: HerdCountDropRule::default(),
            prolonged_lying: ProlongedLyingRule::default(),
            night_disturbance: NightDisturbanceRule::default(),
            low_activity_day: LowActivityDayRule::default(),
        }
    }
}

/// Forecast deviation: warning after `warning_buckets` consecutive 15-minute
/// buckets outside the 95 % interval by more than `margin_pct`, critical after
/// `critical_buckets`; resolved after `clear_buckets` inside.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct ForecastDeviationRule {
    /// Rule on.
    pub enabled: bool,
    /// Consecutive buckets outside for a warning (default 3 = 45 min).
    pub warning_buckets: u32,
    /// Consecutive buckets outside for critical (default 8 = 2 h).
    pub critical_buckets: u32,
    /// How far outside the interval a bucket must be, percentage points (default 5).
    pub margin_pct: f64,
    /// Buckets back inside before it resolves (default 2).
    pub clear_buckets: u32,
}

impl Default for ForecastDeviationRule {
    fn default() -> Self {
        ForecastDeviationRule {
            enabled: true,
            warning_buckets: 3,
            critical_buckets: 8,
            margin_pct: 5.0,
            clear_buckets: 2,
        }
    }
}

/// Camera offline: critical after `after_seconds` without frames; resolved when frames are back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct CameraOfflineRule {
    /// Rule on.
    pub enabled: bool,
    /// Seconds without a frame (default 120).
    pub after_seconds: u32,
}

impl Default for CameraOfflineRule {
    fn default() -> Self {
        CameraOfflineRule {
            enabled: true,
            after_seconds: 120,
        }
    }
}

/// Herd count drop: the 15-minute median of goats seen below the herd size
/// minus `tolerance` for `minutes` (warning) or `critical_minutes`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct HerdCountDropRule {
    /// Rule on (needs the camera's herd size).
    pub enabled: bool,
    /// Goats the count may miss (occlusion, detector) without an alert (default 2).
    pub tolerance: u32,
    /// Minutes below for a warning (default 30).
    pub minutes: u32,
    /// Minutes below for critical (default 120).
    pub critical_minutes: u32,
}

impl Default for HerdCountDropRule {
    fn default() -> Self {
        HerdCountDropRule {
            enabled: true,
            tolerance: 2,
            minutes: 30,
            critical_minutes: 120,
        }
    }
}

/// Prolonged lying: one tracked goat lying more than `minutes` (warning) or
/// `critical_minutes` of a bout within the day hours `[day_start_hour, day_end_hour)` local.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct ProlongedLyingRule {
    /// Rule on (needs tracks: cameras with the built-in detector).
    pub enabled: bool,
    /// Minutes of daytime lying in one bout for a warning (default 300).
    pub minutes: u32,
    /// For critical (default 420).
    pub critical_minutes: u32,
    /// Day starts, local hour (default 7).
    pub day_start_hour: u32,
    /// Day ends, local hour (default 20).
    pub day_end_hour: u32,
}

impl Default for ProlongedLyingRule {
    fn default() -> Self {
        ProlongedLyingRule {
            enabled: true,
            minutes: 300,
            critical_minutes: 420,
            day_start_hour: 7,
            day_end_hour: 20,
        }
    }
}

/// Night disturbance: during `[night_start_hour, night_end_hour)` local, the
/// standing ratio above its nightly baseline (same time of night over the
/// last 7 nights) by `sigmas` standard deviations and at least `min_excess_pct`
/// points, for `buckets` consecutive 15-minute buckets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct NightDisturbanceRule {
    /// Rule on.
    pub enabled: bool,
    /// Night starts, local hour (default 22).
    pub night_start_hour: u32,
    /// Night ends, local hour (default 5).
    pub night_end_hour: u32,
    /// Standard deviations above the baseline (default 3).
    pub sigmas: f64,
    /// Percentage points above the baseline at least (default 15).
    pub min_excess_pct: f64,
    /// Consecutive buckets (default 2 = 30 min).
    pub buckets: u32,
}

impl Default for NightDisturbanceRule {
    fn default() -> Self {
        NightDisturbanceRule {
            enabled: true,
            night_start_hour: 22,
            night_end_hour: 5,
            sigmas: 3.0,
            min_excess_pct: 15.0,
            buckets: 2,
        }
    }
}

/// Low activity day: standing hours of the day so far (local day, from
/// `min_hours` into it) below the same hours of the last 7 days by `sigmas`
/// standard deviations and at least `min_deficit_share` of their mean.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct LowActivityDayRule {
    /// Rule on.
    pub enabled: bool,
    /// Standard deviations below the baseline (default 2).
    pub sigmas: f64,
    /// Shortfall as a share of the baseline mean at least (default 0.15).
    pub min_deficit_share: f64,
    /// Hours into the local day before the rule speaks (default 9).
    pub min_hours: u32,
}

impl Default for LowActivityDayRule {
    fn default() -> Self {
        LowActivityDayRule {
            enabled: true,
            sigmas: 2.0,
            min_deficit_share: 0.15,
            min_hours: 9,
        }
    }
}

impl AlertRules {
    /// Refuses settings that cannot work, naming the field to blame.
    pub fn validate(&self) -> Result<(), FieldError> {
        let invalid = |field: &str, message: &str| Err(FieldError::new(field, message));
        let hour = |h: u32| h < 24;
        let non_negative = |v: f64| v.is_finite() && v >= 0.0;
        if !(-14 * 60..=14 * 60).contains(&self.utc_offset_minutes) {
            return invalid(
                "utc_offset_minutes",
                "utc_offset_minutes must be between -840 and 840",
            );
        }
        let f = &self.forecast_deviation;
        if f.warning_buckets == 0
            || f.critical_buckets < f.warning_buckets
            || f.clear_buckets == 0
            || !(0.0..=50.0).contains(&f.margin_pct)
        {
            return invalid(
                "forecast_deviation",
                "forecast_deviation needs 1 ≤ warning_buckets ≤ critical_buckets, clear_buckets ≥ 1 and margin_pct 0 to 50",
            );
        }
        if !(30..=86_400).contains(&self.camera_offline.after_seconds) {
            return invalid(
                "camera_offline.after_seconds",
                "camera_offline.after_seconds must be 30 to 86 400",
            );
        }
        let h = &self.herd_count_drop;
        if h.minutes < 15 || h.critical_minutes < h.minutes {
            return invalid(
                "herd_count_drop",
                "herd_count_drop needs 15 ≤ minutes ≤ critical_minutes",
            );
        }
        let p = &self.prolonged_lying;
        if p.minutes < 15
            || p.critical_minutes < p.minutes
            || !hour(p.day_start_hour)
            || !(1..=24).contains(&p.day_end_hour)
        {
            return invalid(
                "prolonged_lying",
                "prolonged_lying needs 15 ≤ minutes ≤ critical_minutes and hours 0 to 24",
            );
        }
        let n = &self.night_disturbance;
        if !hour(n.night_start_hour)
            || !hour(n.night_end_hour)
            || n.buckets == 0
            || !non_negative(n.sigmas)
            || !non_negative(n.min_excess_pct)
        {
            return invalid(
                "night_disturbance",
                "night_disturbance needs hours 0 to 23, buckets ≥ 1 and non-negative sigmas and min_excess_pct",
            );
        }
        let l = &self.low_activity_day;
        if !non_negative(l.sigmas)
            || !(0.0..1.0).contains(&l.min_deficit_share)
            || !(1..=23).contains(&l.min_hours)
        {
            return invalid(
                "low_activity_day",
                "low_activity_day needs sigmas ≥ 0, min_deficit_share 0 to 1 and min_hours 1 to 23",
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_each_bad_setting_names_its_field() {
        assert_eq!(AlertRules::default().validate(), Ok(()));
        let field = |r: AlertRules| r.validate().unwrap_err().field;
        let r = AlertRules {
            utc_offset_minutes: 900,
            ..AlertRules::default()
        };
        assert_eq!(field(r), "utc_offset_minutes");
        let mut r = AlertRules::default();
        r.forecast_deviation.critical_buckets = 1;
        assert_eq!(field(r), "forecast_deviation");
        let mut r = AlertRules::default();
        r.camera_offline.after_seconds = 5;
        assert_eq!(field(r), "camera_offline.after_seconds");
        let mut r = AlertRules::default();
        r.herd_count_drop.minutes = 10;
        assert_eq!(field(r), "herd_count_drop");
        let mut r = AlertRules::default();
        r.prolonged_lying.day_end_hour = 25;
        assert_eq!(field(r), "prolonged_lying");
        let mut r = AlertRules::default();
        r.night_disturbance.sigmas = f64::NAN;
        assert_eq!(field(r), "night_disturbance");
        let mut r = AlertRules::default();
        r.low_activity_day.min_deficit_share = 1.0;
        assert_eq!(field(r), "low_activity_day");
    }
}
