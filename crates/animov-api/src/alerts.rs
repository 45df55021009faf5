//! Alerts: abnormal behaviour and camera problems, their states and history.
//! Rule settings are in [`crate::AlertRules`], delivery in [`crate::DeliverySettings`].

use serde::{Deserialize, Serialize};

use crate::names::{Label, names};

/// What an alert is about (one open alert per rule and camera).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// The 15-minute standing ratio left the forecast's 95 % interval.
    ForecastDeviation,
    /// No frames from the camera.
    CameraOffline,
    /// The disk is full: the camera's recording stopped (it still counts).
    DiskFull,
    /// Fewer goats seen than the herd size, for a while.
    HerdCountDrop,
    /// One goat lying for a long time during the day.
    ProlongedLying,
    /// The herd standing at night well above its usual nights.
    NightDisturbance,
    /// Standing time of the day so far well below the last 7 days.
    LowActivityDay,
}

// `ALL` is in display order.
names!(RuleKind, "alert rule" {
    CameraOffline => "camera_offline",
    DiskFull => "disk_full",
    HerdCountDrop => "herd_count_drop",
    ForecastDeviation => "forecast_deviation",
    NightDisturbance => "night_disturbance",
    ProlongedLying => "prolonged_lying",
    LowActivityDay => "low_activity_day",
});

impl RuleKind {
    /// Whether the rule judges the herd's behaviour (the standing share),
    /// which the farm's other pens put in context.
    pub fn is_behaviour(self) -> bool {
        matches!(
            self,
            RuleKind::ForecastDeviation | RuleKind::NightDisturbance | RuleKind::LowActivityDay
        )
    }

    /// Whether the farmer's "false alarm / useful" judgements tune the rule's
    /// limits on a camera (a missing goat and a silent camera are facts).
    pub fn tuned_by_feedback(self) -> bool {
        self.is_behaviour() || self == RuleKind::ProlongedLying
    }

    /// The rule's name for people.
    pub fn label(self) -> Label {
        let (fr, en) = match self {
            RuleKind::ForecastDeviation => {
                ("Troupeau couché inhabituellement", "Herd down unusually")
            }
            RuleKind::CameraOffline => ("Caméra hors ligne", "Camera offline"),
            RuleKind::DiskFull => (
                "Disque plein : enregistrement arrêté",
                "Disk full: recording stopped",
            ),
            RuleKind::HerdCountDrop => ("Chèvres manquantes", "Goats missing"),
            RuleKind::ProlongedLying => ("Chèvre couchée longtemps", "Goat lying for long"),
            RuleKind::NightDisturbance => ("Agitation nocturne", "Night disturbance"),
            RuleKind::LowActivityDay => ("Moins actif que d'habitude", "Less active than usual"),
        };
        Label { fr, en }
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

names!(Severity, "alert severity" {
    Warning => "warning",
    Critical => "critical",
});

impl Severity {
    /// The severity's name for people.
    pub fn label(self) -> Label {
        match self {
            Severity::Warning => Label {
                fr: "À surveiller",
                en: "Warning",
            },
            Severity::Critical => Label {
                fr: "Critique",
                en: "Critical",
            },
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

names!(AlertState, "alert state" {
    Open => "open",
    Acknowledged => "acknowledged",
    Resolved => "resolved",
});

impl AlertState {
    /// The state's name for people.
    pub fn label(self) -> Label {
        let (fr, en) = match self {
            AlertState::Open => ("Nouvelle", "Open"),
            AlertState::Acknowledged => ("Vue", "Acknowledged"),
            AlertState::Resolved => ("Terminée", "Resolved"),
        };
        Label { fr, en }
    }
}

/// What happened to an alert, as its history tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AlertEventKind {
    /// The rule raised it.
    Opened,
    /// It became critical.
    Escalated,
    /// Someone said they saw it.
    Acknowledged,
    /// Someone wrote a note.
    Note,
    /// It ended (by itself or by hand).
    Resolved,
    /// Someone judged it a false alarm.
    FalseAlarm,
    /// Someone judged it useful.
    Useful,
}

names!(AlertEventKind, "alert event" {
    Opened => "opened",
    Escalated => "escalated",
    Acknowledged => "acknowledged",
    Note => "note",
    Resolved => "resolved",
    FalseAlarm => "false_alarm",
    Useful => "useful",
});

impl AlertEventKind {
    /// The event's name for people.
    pub fn label(self) -> Label {
        let (fr, en) = match self {
            AlertEventKind::Opened => ("Levée", "Raised"),
            AlertEventKind::Escalated => ("Aggravée", "Escalated"),
            AlertEventKind::Acknowledged => ("Acquittée", "Acknowledged"),
            AlertEventKind::Note => ("Note", "Note"),
            AlertEventKind::Resolved => ("Terminée", "Resolved"),
            AlertEventKind::FalseAlarm => ("Jugée fausse alerte", "Judged a false alarm"),
            AlertEventKind::Useful => ("Jugée utile", "Judged useful"),
        };
        Label { fr, en }
    }
}

/// How an alert changed (pushed on `GET /api/v1/events`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AlertChangeKind {
    /// A rule raised it.
    Opened,
    /// It became critical.
    Escalated,
    /// Someone acknowledged it.
    Acknowledged,
    /// It ended.
    Resolved,
}

names!(AlertChangeKind, "alert change" {
    Opened => "opened",
    Escalated => "escalated",
    Acknowledged => "acknowledged",
    Resolved => "resolved",
});

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
    /// The latest judgement on it (`null`: none yet).
    #[serde(default)]
    pub feedback: Option<AlertVerdict>,
    /// Who gave it.
    #[serde(default)]
    pub feedback_by: Option<String>,
}

/// What someone who looked made of an alert; it tunes that camera's rule
/// (see `animov_core::alerts::feedback`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AlertVerdict {
    /// Nothing was wrong: the rule's limits on this camera widen.
    FalseAlarm,
    /// Worth raising: the rule's limits on this camera narrow a little.
    Useful,
}

names!(AlertVerdict, "alert verdict" {
    FalseAlarm => "false_alarm",
    Useful => "useful",
});

impl AlertVerdict {
    /// The verdict's name for people.
    pub fn label(self) -> Label {
        let (fr, en) = match self {
            AlertVerdict::FalseAlarm => ("Fausse alerte", "False alarm"),
            AlertVerdict::Useful => ("Utile", "Useful"),
        };
        Label { fr, en }
    }

    /// The history event that records it.
    pub fn event(self) -> AlertEventKind {
        match self {
            AlertVerdict::FalseAlarm => AlertEventKind::FalseAlarm,
            AlertVerdict::Useful => AlertEventKind::Useful,
        }
    }
}

/// `POST /api/v1/alerts/{id}/feedback` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AlertFeedback {
    /// The judgement.
    pub verdict: AlertVerdict,
    /// Free text (at most 2 000 characters).
    #[serde(default)]
    pub comment: Option<String>,
}

/// One step of an alert's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertEvent {
    /// When, UTC ms.
    pub ts_ms: i64,
    /// What happened.
    pub kind: AlertEventKind,
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

/// An alert that opened, escalated or ended, pushed on `GET /api/v1/events`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertChange {
    /// What happened.
    pub change: AlertChangeKind,
    /// The alert as it is now.
    pub alert: Alert,
    /// Worth a desktop notification now (opened or escalated, outside quiet hours or critical).
    pub notify: bool,
}
