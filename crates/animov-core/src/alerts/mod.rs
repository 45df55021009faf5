//! Alert rules as pure functions: what a camera's recent data says now
//! ([`rules`]), and how an alert opens, holds, escalates and resolves itself
//! ([`step`]), with one open alert per rule and camera.
//!
//! Each rule looks at a window of data ending *now* and returns a
//! [`Finding`] while its condition holds. [`step`] adds hysteresis: an open
//! alert resolves only after its condition has been clear for the rule's
//! clearing time, so a flickering signal raises one alert, not ten.
//!
//! ```
//! use animov_api::{AlertRules, RuleKind};
//! use animov_core::alerts::{CameraInput, Monitor};
//! let mut m = Monitor::new(AlertRules::default());
//! let input = CameraInput { last_frame_ms: Some(0), ..CameraInput::default() };
//! // Three minutes without a frame: the camera is offline.
//! let t = m.tick(&input, 180_000);
//! assert_eq!(t[0].rule, RuleKind::CameraOffline);
//! ```

pub mod delivery;
pub mod explain;
pub mod farm;
pub mod feedback;
pub mod input;
pub mod message;
pub mod rules;
pub mod score;
pub mod usual;

use std::collections::BTreeMap;

use animov_api::{AlertRules, RuleKind, Severity};

use crate::time::MINUTE_MS;

/// Days of buckets the rules read: the camera's usual day is learned from
/// [`usual::HISTORY_DAYS`] days, and the spread of the day's running average
/// from the usual of each of the 14 days before.
pub const HISTORY_WINDOW_DAYS: i64 = 2 * usual::HISTORY_DAYS + 1;

/// One 15-minute bucket of a camera: what the rules read.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Bucket {
    /// Bucket start, UTC ms (aligned on 15 minutes).
    pub ts: i64,
    /// Standing ratio of the medians, %; `None` when nobody was seen.
    pub ratio: Option<f64>,
    /// Median of goats seen.
    pub total: Option<f64>,
    /// Forecast 95 % interval for the bucket, issued before it began.
    pub lower95: Option<f64>,
    /// Upper bound of that interval.
    pub upper95: Option<f64>,
}

/// A lying bout of one tracked goat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bout {
    /// Track id.
    pub track_id: i64,
    /// Start, UTC ms.
    pub start_ms: i64,
    /// End (or last sighting while running), UTC ms.
    pub end_ms: i64,
    /// Still lying.
    pub running: bool,
}

/// Everything the rules need about one camera at one time.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CameraInput {
    /// Complete 15-minute buckets, oldest first, the newest ending at or
    /// before now ([`HISTORY_WINDOW_DAYS`] days are enough for every rule).
    pub buckets: Vec<Bucket>,
    /// Goats in the pen, if known.
    pub herd_size: Option<u32>,
    /// Newest frame, UTC ms (`None`: never seen a frame).
    pub last_frame_ms: Option<i64>,
    /// Lying bouts of tracked goats still running or recently ended
    /// (`None`: this camera has no tracks, e.g. an external detector).
    pub bouts: Option<Vec<Bout>>,
    /// What the farm's other pens did over the last hours ([`farm::shifts`];
    /// empty: no farm context).
    pub farm: BTreeMap<i64, farm::FarmShift>,
    /// The camera's recording stopped because the disk is full, if it did.
    pub recording_stopped: Option<RecordingStop>,
}

/// A recording stopped for want of disk space.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordingStop {
    /// When it stopped, UTC ms.
    pub since_ms: i64,
    /// Free space then, bytes.
    pub free_bytes: u64,
    /// The free space recording needs to start again, bytes.
    pub resume_bytes: u64,
}

/// What a rule sees while its condition holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// How bad.
    pub severity: Severity,
    /// When the condition began, UTC ms.
    pub since_ms: i64,
    /// The measured value.
    pub value: Option<f64>,
    /// The limit it crossed.
    pub threshold: Option<f64>,
    /// In words (English).
    pub message: String,
    /// The goat concerned, if one.
    pub track_id: Option<i64>,
}

/// An alert that is open (or acknowledged), as the lifecycle needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenAlert {
    /// Current severity.
    pub severity: Severity,
    /// Since when the condition has been clear, if it is.
    pub clear_since_ms: Option<i64>,
}

/// What to do with a rule's alert now.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Nothing open, nothing found.
    Idle,
    /// Open a new alert.
    Open(Finding),
    /// The open alert got worse.
    Escalate(Finding),
    /// Keep the open alert; remember since when it is clear (`None`: it still holds).
    Hold {
        /// Since when the condition has been clear.
        clear_since_ms: Option<i64>,
    },
    /// The condition has been clear long enough: resolve the alert.
    Resolve,
}

/// One alert decision of a rule, hysteresis included.
pub fn step(
    open: Option<&OpenAlert>,
    finding: Option<Finding>,
    now_ms: i64,
    clear_ms: i64,
) -> Step {
    match (open, finding) {
        (None, None) => Step::Idle,
        (None, Some(f)) => Step::Open(f),
        (Some(o), Some(f)) if f.severity > o.severity => Step::Escalate(f),
        (Some(_), Some(_)) => Step::Hold {
            clear_since_ms: None,
        },
        (Some(o), None) => {
            let since = o.clear_since_ms.unwrap_or(now_ms);
            if now_ms - since >= clear_ms {
                Step::Resolve
            } else {
                Step::Hold {
                    clear_since_ms: Some(since),
                }
            }
        }
    }
}

/// How long a rule's condition must stay clear before its alert resolves itself.
pub fn clear_ms(rule: RuleKind, rules: &AlertRules) -> i64 {
    let minutes = match rule {
        RuleKind::CameraOffline | RuleKind::DiskFull => 0,
        RuleKind::ForecastDeviation => 15 * i64::from(rules.forecast_deviation.clear_buckets),
        RuleKind::HerdCountDrop => 30,
        RuleKind::ProlongedLying => 15,
        RuleKind::NightDisturbance => 30,
        RuleKind::LowActivityDay => 60,
    };
    minutes * MINUTE_MS
}

/// What every enabled rule finds for one camera now.
pub fn evaluate(
    rules: &AlertRules,
    input: &CameraInput,
    now_ms: i64,
) -> Vec<(RuleKind, Option<Finding>)> {
    let off = rules.utc_offset_minutes;
    let mut out = Vec::with_capacity(7);
    let b = &input.buckets;
    let h = usual::History::new(b).with_farm(&input.farm);
    let night = (
        rules.night_disturbance.night_start_hour,
        rules.night_disturbance.night_end_hour,
    );
    if rules.camera_offline.enabled {
        let f = rules::camera_offline(now_ms, input.last_frame_ms, &rules.camera_offline);
        out.push((RuleKind::CameraOffline, f));
    }
    // A fact, not a judgement: no setting turns it off.
    out.push((
        RuleKind::DiskFull,
        input.recording_stopped.as_ref().map(rules::disk_full),
    ));
    if rules.herd_count_drop.enabled {
        let f = rules::herd_count_drop(b, &h, now_ms, input.herd_size, &rules.herd_count_drop);
        out.push((RuleKind::HerdCountDrop, f));
    }
    if rules.forecast_deviation.enabled {
        let f = rules::forecast_deviation(b, &h, now_ms, off, night, &rules.forecast_deviation);
        out.push((RuleKind::ForecastDeviation, f));
    }
    if rules.night_disturbance.enabled {
        let f = rules::night_disturbance(b, &h, now_ms, off, &rules.night_disturbance);
        out.push((RuleKind::NightDisturbance, f));
    }
    if rules.prolonged_lying.enabled
        && let Some(bouts) = &input.bouts
    {
        let f = rules::prolonged_lying(bouts, now_ms, off, &rules.prolonged_lying);
        out.push((RuleKind::ProlongedLying, f));
    }
    if rules.low_activity_day.enabled {
        let f = rules::low_activity_day(b, &h, now_ms, off, &rules.low_activity_day);
        out.push((RuleKind::LowActivityDay, f));
    }
    // A behaviour alert says when other pens moved with this one.
    let newest = b.last().and_then(|x| input.farm.get(&x.ts));
    if let Some(clause) = newest.and_then(farm::clause) {
        for (rule, f) in &mut out {
            if let (true, Some(f)) = (rule.is_behaviour(), f.as_mut()) {
                f.message.push_str(&clause);
            }
        }
    }
    out
}

/// An alert opening, escalating or resolving.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    /// The rule.
    pub rule: RuleKind,
    /// When, UTC ms.
    pub at_ms: i64,
    /// What happened.
    pub step: Step,
}

/// The decisions for one camera given its open alerts: every rule evaluated,
/// each passed through [`step`]. Returns only the steps that change something.
pub fn advance(
    rules: &AlertRules,
    open: &BTreeMap<RuleKind, OpenAlert>,
    input: &CameraInput,
    now_ms: i64,
) -> Vec<Transition> {
    let mut out = Vec::new();
    let mut seen = Vec::new();
    for (rule, finding) in evaluate(rules, input, now_ms) {
        seen.push(rule);
        let s = step(open.get(&rule), finding, now_ms, clear_ms(rule, rules));
        if s != Step::Idle {
            out.push(Transition {
                rule,
                at_ms: now_ms,
                step: s,
            });
        }
    }
    // A rule switched off (or that lost its input) resolves what it had open.
    for rule in open.keys().filter(|r| !seen.contains(r)) {
        out.push(Transition {
            rule: *rule,
            at_ms: now_ms,
            step: Step::Resolve,
        });
    }
    out
}

/// One camera's alerts kept in memory: for replays and evaluations (the
/// engine keeps the same state in its database).
#[derive(Debug, Clone)]
pub struct Monitor {
    rules: AlertRules,
    open: BTreeMap<RuleKind, OpenAlert>,
}

impl Monitor {
    /// Nothing open yet.
    pub fn new(rules: AlertRules) -> Self {
        Monitor {
            rules,
            open: BTreeMap::new(),
        }
    }

    /// Evaluates at `now_ms` and applies the decisions; returns those that
    /// open, escalate or resolve an alert.
    pub fn tick(&mut self, input: &CameraInput, now_ms: i64) -> Vec<Transition> {
        let mut changes = Vec::new();
        for t in advance(&self.rules, &self.open, input, now_ms) {
            match &t.step {
                Step::Open(f) | Step::Escalate(f) => {
                    self.open.insert(
                        t.rule,
                        OpenAlert {
                            severity: f.severity,
                            clear_since_ms: None,
                        },
                    );
                    changes.push(t);
                }
                Step::Hold { clear_since_ms } => {
                    if let Some(o) = self.open.get_mut(&t.rule) {
                        o.clear_since_ms = *clear_since_ms;
                    }
                }
                Step::Resolve => {
                    self.open.remove(&t.rule);
                    changes.push(t);
                }
                Step::Idle => {}
            }
        }
        changes
    }

    /// Changes the rules from the next tick on (open alerts stay open).
    pub fn set_rules(&mut self, rules: AlertRules) {
        self.rules = rules;
    }

    /// Rules with an open alert.
    pub fn open(&self) -> impl Iterator<Item = (&RuleKind, &OpenAlert)> {
        self.open.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(severity: Severity) -> Finding {
        Finding {
            severity,
            since_ms: 0,
            value: None,
            threshold: None,
            message: String::new(),
            track_id: None,
        }
    }

    #[test]
    fn opens_holds_escalates_and_resolves_after_the_clearing_time() {
        let w = finding(Severity::Warning);
        assert_eq!(step(None, None, 0, 10), Step::Idle);
        assert_eq!(step(None, Some(w.clone()), 0, 10), Step::Open(w.clone()));
        let open = OpenAlert {
            severity: Severity::Warning,
            clear_since_ms: None,
        };
        assert_eq!(
            step(Some(&open), Some(w.clone()), 5, 10),
            Step::Hold {
                clear_since_ms: None
            }
        );
        let c = finding(Severity::Critical);
        assert_eq!(step(Some(&open), Some(c.clone()), 5, 10), Step::Escalate(c));
        // Clear at 20: held until 30, resolved then.
        assert_eq!(
            step(Some(&open), None, 20, 10),
            Step::Hold {
                clear_since_ms: Some(20)
            }
        );
        let clearing = OpenAlert {
            clear_since_ms: Some(20),
            ..open
        };
        assert_eq!(
            step(Some(&clearing), None, 29, 10),
            Step::Hold {
                clear_since_ms: Some(20)
            }
        );
        assert_eq!(step(Some(&clearing), None, 30, 10), Step::Resolve);
        // Back before the clearing time: the same alert holds, the clock restarts.
        assert_eq!(
            step(Some(&clearing), Some(w), 29, 10),
            Step::Hold {
                clear_since_ms: None
            }
        );
    }

    #[test]
    fn a_recording_stopped_for_space_opens_one_alert_until_it_records_again() {
        let mut m = Monitor::new(AlertRules::default());
        let stop = RecordingStop {
            since_ms: 1_000,
            free_bytes: 5 << 20,
            resume_bytes: 15 << 20,
        };
        let input = CameraInput {
            recording_stopped: Some(stop),
            ..CameraInput::default()
        };
        let t = m.tick(&input, 2_000);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].rule, RuleKind::DiskFull);
        let Step::Open(f) = &t[0].step else {
            panic!("opens: {t:?}")
        };
        assert_eq!((f.value, f.threshold), (Some(5.0), Some(15.0)));
        assert_eq!(f.since_ms, 1_000);
        assert!(f.message.contains("5 MiB free"), "{}", f.message);
        // Still stopped: nothing new; recording again: resolved at once.
        assert!(m.tick(&input, 62_000).is_empty());
        let t = m.tick(&CameraInput::default(), 63_000);
        assert_eq!(
            (t[0].rule, &t[0].step),
            (RuleKind::DiskFull, &Step::Resolve)
        );
    }

    #[test]
    fn a_critical_alert_never_steps_down_to_a_second_warning() {
        let open = OpenAlert {
            severity: Severity::Critical,
            clear_since_ms: None,
        };
        assert_eq!(
            step(Some(&open), Some(finding(Severity::Warning)), 0, 10),
            Step::Hold {
                clear_since_ms: None
            }
        );
    }

    #[test]
    fn monitor_keeps_one_alert_per_rule_and_resolves_a_disabled_rule() {
        let mut m = Monitor::new(AlertRules::default());
        let input = CameraInput {
            last_frame_ms: Some(0),
            ..CameraInput::default()
        };
        assert_eq!(m.tick(&input, 60_000), vec![]);
        let t = m.tick(&input, 180_000);
        assert_eq!(t.len(), 1);
        assert!(matches!(t[0].step, Step::Open(_)));
        // Still offline a minute later: no second alert.
        assert_eq!(m.tick(&input, 240_000), vec![]);
        let mut rules = AlertRules::default();
        rules.camera_offline.enabled = false;
        m.rules = rules;
        let t = m.tick(&input, 300_000);
        assert_eq!(t[0].step, Step::Resolve);
        assert_eq!(m.open().count(), 0);
    }
}
