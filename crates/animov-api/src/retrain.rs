//! Nightly retraining of the cameras' forecast models
//! (`GET /api/v1/models/retrain`).

use serde::{Deserialize, Serialize};

/// Where a night's retraining stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RetrainState {
    /// Fitting now.
    Running,
    /// Every camera was handled.
    Done,
    /// Stopped before the end (the engine stopped, or the window closed):
    /// the cameras left are retrained first at the next window.
    Interrupted,
}

/// What happened to one camera.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CameraRetrainState {
    /// Not done yet.
    Pending,
    /// A model was trained and registered.
    Trained,
    /// Too little history to train.
    Skipped,
    /// Fitting failed (the production model stays).
    Failed,
}

/// What a backtested method stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BacktestRole {
    /// A model spec tried.
    Candidate,
    /// A yardstick every model must beat (seasonal naive, seasonal mean).
    Baseline,
    /// The camera's production model before the run, with its parameters.
    Production,
}

/// One method's rolling-origin backtest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BacktestRow {
    /// `(p,d,q)(P,D,Q,s)`, `seasonal naive` or `seasonal mean of 3 days`.
    pub method: String,
    /// What it stands for.
    pub role: BacktestRole,
    /// RMSE over every held-out period of every fold (standing share, points).
    pub rmse: Option<f64>,
    /// Share of held-out values inside the 95 % interval (models only).
    pub coverage95: Option<f64>,
    /// RMSE of each fold, oldest first.
    pub fold_rmse: Vec<Option<f64>>,
    /// The candidate kept (the lowest RMSE).
    pub chosen: bool,
    /// Why it could not be scored.
    pub error: Option<String>,
}

/// One camera in a night's retraining.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CameraRetrain {
    /// The camera.
    pub source: String,
    /// What happened.
    pub state: CameraRetrainState,
    /// The model trained.
    pub model_id: Option<i64>,
    /// Whether it became the production model.
    pub promoted: bool,
    /// Its RMSE on the validation days.
    pub validation_rmse: Option<f64>,
    /// The seasonal naive forecast's RMSE on those days.
    pub baseline_rmse: Option<f64>,
    /// The production model's RMSE on those days (before).
    pub production_rmse: Option<f64>,
    /// Why it was skipped or failed.
    pub message: String,
    /// Seconds it took.
    pub seconds: f64,
    /// The model spec chosen by the backtests.
    #[serde(default)]
    pub spec: Option<String>,
    /// The backtests: each candidate, the baselines and the production model.
    #[serde(default)]
    pub backtest: Vec<BacktestRow>,
}

/// The fit under way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RetrainProgress {
    /// The camera being fitted.
    pub source: String,
    /// Optimiser iterations so far.
    pub iteration: usize,
    /// Log-likelihood at the current parameters.
    pub llf: f64,
    /// Seconds left for the whole run, from the cameras done so far.
    pub eta_s: Option<f64>,
}

/// A night's retraining run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RetrainRun {
    /// The night (local date the window opened).
    pub night: String,
    /// Where it stands.
    pub state: RetrainState,
    /// Started, UTC ms.
    pub started_ms: i64,
    /// Ended (done or interrupted), UTC ms.
    pub ended_ms: Option<i64>,
    /// The candidate models tried, `, `-separated.
    pub spec: String,
    /// The interrupted night whose cameras this run took up first.
    pub resumed_from: Option<String>,
    /// Why it was interrupted.
    pub interrupted_because: Option<String>,
    /// Every camera, in the order they are fitted.
    pub cameras: Vec<CameraRetrain>,
    /// The fit under way (while running).
    pub current: Option<RetrainProgress>,
}

/// `GET /api/v1/models/retrain`: the settings and the last run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RetrainStatus {
    /// Nightly retraining is on.
    pub enabled: bool,
    /// The local time window, `HH:MM-HH:MM`.
    pub window: String,
    /// The model a camera forecasts with until it has its own.
    pub spec: String,
    /// The candidate models tried at night.
    #[serde(default)]
    pub candidates: Vec<String>,
    /// Backtest folds (2-day holdouts).
    #[serde(default)]
    pub folds: u32,
    /// The last run (the one under way, if any).
    pub last: Option<RetrainRun>,
}
