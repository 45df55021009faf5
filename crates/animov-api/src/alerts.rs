//! Alerts: abnormal behaviour and camera problems, their rules and their delivery.

use serde::{Deserialize, Serialize};

/// What an alert is about (one open alert per rule and camera).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// The 15-minute standing ratio left the forecast's 95 % interval.
    ForecastDeviation,
    /// No frames from the camera.
    CameraOffline,
    /// Fewer goats seen than the herd size, for a while.
    HerdCountDrop,
    /// One goat lying for a long time during the day.
    ProlongedLying,
    /// The herd standing at night well above its usual nights.
    NightDisturbance,
    /// Standing time of the day so far well below the last 7 days.
    LowActivityDay,
}

impl RuleKind {
    /// Every rule, in display order.
    pub const ALL: [RuleKind; 6] = [
        RuleKind::CameraOffline,
        RuleKind::HerdCountDrop,
        RuleKind::ForecastDeviation,
        RuleKind::NightDisturbance,
        RuleKind::ProlongedLying,
        RuleKind::LowActivityDay,
    ];

    /// The snake_case name used in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::ForecastDeviation => "forecast_deviation",
            RuleKind::CameraOffline => "camera_offline",
            RuleKind::HerdCountDrop => "herd_count_drop",
            RuleKind::ProlongedLying => "prolonged_lying",
            RuleKind::NightDisturbance => "night_disturbance",
            RuleKind::LowActivityDay => "low_activity_day",
        }
    }

    /// Parses [`RuleKind::as_str`].
    pub fn parse(s: &str) -> Option<RuleKind> {
        RuleKind::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// How urgent an alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth a look today.
    Warning,
    /// Go to the barn.
    Critical,
}

impl Severity {
    /// `warning` or `critical`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }

    /// Parses [`Severity::as_str`].
    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "warning" => Some(Severity::Warning),
            "critical" => Some(Severity::Critical),
            _ => None,
        }
    }
}

/// Where an alert stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AlertState {
    /// Raised, nobody has said they saw it.
    Open,
    /// Someone saw it (the condition may still hold).
    Acknowledged,
    /// Over: the condition cleared, or someone closed it.
    Resolved,
}

impl AlertState {
    /// `open`, `acknowledged` or `resolved`.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Open => "open",
            AlertState::Acknowledged => "acknowledged",
            AlertState::Resolved => "resolved",
        }
    }

    /// Parses [`AlertState::as_str`].
    pub fn parse(s: &str) -> Option<AlertState> {
        match s {
            "open" => Some(AlertState::Open),
            "acknowledged" => Some(AlertState::Acknowledged),
            "resolved" => Some(AlertState::Resolved),
            _ => None,
        }
    }
}

/// An alert (`GET /api/v1/alerts`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Alert {
    /// Id.
    pub id: i64,
    /// The camera.
    pub source: String,
    /// The rule that raised it.
    pub rule: RuleKind,
    /// Current severity (it can escalate while open).
    pub severity: Severity,
    /// Lifecycle state.
    pub state: AlertState,
    /// When the condition began, UTC ms.
    pub since_ms: i64,
    /// When the alert was raised, UTC ms.
    pub opened_ms: i64,
    /// When it was over, UTC ms.
    pub resolved_ms: Option<i64>,
    /// Who closed it by hand (`null`: it cleared by itself).
    pub resolved_by: Option<String>,
    /// Who acknowledged it.
    pub ack_by: Option<String>,
    /// When, UTC ms.
    pub ack_ms: Option<i64>,
    /// What they wrote.
    pub ack_comment: Option<String>,
    /// What was seen, in words (English; the UI words it from `rule`, `value`, `threshold`).
    pub message: String,
    /// The measured value (ratio %, goats, minutes, hours...).
    pub value: Option<f64>,
    /// The limit it crossed.
    pub threshold: Option<f64>,
    /// The tracked goat, for prolonged lying.
    pub track_id: Option<i64>,
}

/// One step of an alert's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertEvent {
    /// When, UTC ms.
    pub ts_ms: i64,
    /// `opened`, `escalated`, `acknowledged`, `note`, `resolved`.
    pub kind: String,
    /// Who (`null`: the engine).
    pub by: Option<String>,
    /// Comment or what changed.
    pub comment: Option<String>,
}

/// `GET /api/v1/alerts/{id}`: the alert and its history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertDetail {
    /// The alert.
    pub alert: Alert,
    /// What happened to it, oldest first.
    pub events: Vec<AlertEvent>,
}

/// `POST /api/v1/alerts/{id}/ack`, `/resolve` and `/notes` body.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AlertAction {
    /// Free text (at most 2 000 characters).
    #[serde(default)]
    pub comment: Option<String>,
}

/// Counts of alerts not yet resolved, per camera (`GET /api/v1/alerts/summary`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertCount {
    /// The camera.
    pub source: String,
    /// Open (not acknowledged).
    pub open: i64,
    /// Acknowledged, not resolved.
    pub acknowledged: i64,
    /// Of those, critical.
    pub critical: i64,
}

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

/// How alerts reach people (`GET`/`PUT /api/v1/alerts/delivery`, admin).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct DeliverySettings {
    /// Email addresses that receive alerts; empty = no email.
    pub email_to: Vec<String>,
    /// Only `critical` alerts by email (warnings still show in the app).
    pub email_critical_only: bool,
    /// After a notification for a rule and camera, none again for it for this many minutes.
    pub cooldown_minutes: u32,
    /// Quiet hours (local): warnings are held back (critical ones still go out); `null` = none.
    pub quiet_start_hour: Option<u32>,
    /// End of the quiet hours (local hour).
    pub quiet_end_hour: Option<u32>,
    /// One email a day at this local hour listing the day's alerts; `null` = none.
    pub digest_hour: Option<u32>,
    /// Local time, minutes from UTC (quiet hours and digest).
    pub utc_offset_minutes: i32,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        DeliverySettings {
            email_to: Vec::new(),
            email_critical_only: false,
            cooldown_minutes: 60,
            quiet_start_hour: None,
            quiet_end_hour: None,
            digest_hour: None,
            utc_offset_minutes: 60,
        }
    }
}

/// An alert that opened, escalated or ended, pushed on `GET /api/v1/events`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertChange {
    /// `opened`, `escalated`, `acknowledged`, `resolved`.
    pub change: String,
    /// The alert as it is now.
    pub alert: Alert,
    /// Worth a desktop notification now (opened or escalated, outside quiet hours or critical).
    pub notify: bool,
}
