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

/// Far below the usual: outside the night hours, the standing share below
/// this camera's usual range for the time of day (from its own last 14 days)
/// by more than `margin_pct` points for `warning_buckets` consecutive
/// 15-minute buckets, critical after `critical_buckets`; resolved after
/// `clear_buckets` back. A camera with fewer than 3 days of its own history
/// is judged against the forecast's 95 % interval instead (the bundled model
/// as a prior), with the same wide margin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct ForecastDeviationRule {
    /// Rule on.
    pub enabled: bool,
    /// Consecutive buckets below for a warning (default 2 = 30 min).
    pub warning_buckets: u32,
    /// Consecutive buckets below for critical (default 8 = 2 h).
    pub critical_buckets: u32,
    /// How far below the usual range a bucket must be, percentage points (default 25).
    pub margin_pct: f64,
    /// Buckets back inside before it resolves (default 2).
    pub clear_buckets: u32,
}

impl Default for ForecastDeviationRule {
    fn default() -> Self {
        ForecastDeviationRule {
            enabled: true,
            warning_buckets: 2,
            critical_buckets: 8,
            margin_pct: 25.0,
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
/// standing share above this camera's usual range for the time of night (its
/// own last 14 nights) by `sigmas` of that time's spread and at least
/// `min_excess_pct` points, for `buckets` consecutive 15-minute buckets.
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
    /// Percentage points above the usual range at least (default 20).
    pub min_excess_pct: f64,
    /// Consecutive buckets (default 3 = 45 min: a farmer's 30-minute round is no alert).
    pub buckets: u32,
}

impl Default for NightDisturbanceRule {
    fn default() -> Self {
        NightDisturbanceRule {
            enabled: true,
            night_start_hour: 22,
            night_end_hour: 5,
            sigmas: 3.0,
            min_excess_pct: 20.0,
            buckets: 3,
        }
    }
}

/// Less active than usual (`low_activity_day`): by day, a running average
/// of how far the standing share sits below this camera's usual range
/// (exponentially weighted, `smoothing` per 15-minute bucket, restarting each
/// morning) below `sigmas` times the spread that same average shows on the
/// camera's own last 14 days, and at least `min_shift_pct` points. It finds a
/// herd that lies 10–15 points more than usual for hours, and a whole day of
/// low activity, without firing on one odd quarter hour.
///
/// Settings saved by earlier versions (`min_deficit_share`, `min_hours`)
/// are read and ignored: this rule no longer uses them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct LowActivityDayRule {
    /// Rule on.
    pub enabled: bool,
    /// Times the camera's own spread of the average (default 3.5).
    pub sigmas: f64,
    /// Points below the usual at least (default 7).
    pub min_shift_pct: f64,
    /// Weight of the newest bucket in the average, 0 to 1 (default 0.1: about
    /// the last 2½ hours count).
    pub smoothing: f64,
    /// Day starts, local hour (default 7).
    pub day_start_hour: u32,
    /// Day ends, local hour (default 20).
    pub day_end_hour: u32,
}

impl Default for LowActivityDayRule {
    fn default() -> Self {
        LowActivityDayRule {
            enabled: true,
            sigmas: 3.5,
            min_shift_pct: 7.0,
            smoothing: 0.1,
            day_start_hour: 7,
            day_end_hour: 20,
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
        let low_ok = non_negative(l.sigmas)
            && non_negative(l.min_shift_pct)
            && (l.smoothing > 0.0 && l.smoothing <= 1.0)
            && hour(l.day_start_hour)
            && (1..=24).contains(&l.day_end_hour)
            && l.day_start_hour < l.day_end_hour;
        if !low_ok {
            return invalid(
                "low_activity_day",
                "low_activity_day needs sigmas and min_shift_pct ≥ 0, smoothing above 0 up to 1, and day_start_hour < day_end_hour within 0 to 24",
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
        r.low_activity_day.smoothing = 0.0;
        assert_eq!(field(r), "low_activity_day");
    }

    #[test]
    fn rules_saved_by_an_older_version_still_read() {
        let old = r#"{"low_activity_day":{"enabled":false,"sigmas":2.0,"min_deficit_share":0.15,"min_hours":9}}"#;
        let r: AlertRules = serde_json::from_str(old).unwrap();
        assert!(!r.low_activity_day.enabled);
        assert_eq!(r.low_activity_day.min_shift_pct, 7.0);
        assert_eq!(r.validate(), Ok(()));
        // Elsewhere a misspelt setting is still refused.
        assert!(
            serde_json::from_str::<AlertRules>(r#"{"camera_offline":{"after_secs":60}}"#).is_err()
        );
    }
}
