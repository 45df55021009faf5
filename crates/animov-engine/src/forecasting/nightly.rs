//! Nightly retraining: in the configured window of farm time
//! (`[forecast] retrain_window`, default 01:00–05:00), every camera's model
//! is chosen again among `[forecast] candidates` by rolling-origin backtests
//! over its last `retrain_days` days ([`super::train`]) — `retrain_parallel`
//! cameras at a time — and promoted only when it beats the production model,
//! the seasonal naive forecast and the seasonal mean on the backtests. A
//! camera with too little history is skipped with the reason.
//!
//! The run is saved as it goes (app setting `forecast_retrain`): a run the
//! engine did not finish (stopped, killed, or the window closed) is marked
//! *interrupted* with why, and the next window takes up its cameras first.
//! `animov forecast retrain` runs it at once.

use std::sync::{Arc, Mutex};

use animov_api::{
    CameraRetrain, CameraRetrainState, RetrainProgress, RetrainRun, RetrainState, RetrainStatus,
};
use animov_core::time::DAY_MS;
use animov_forecast::SarimaxSpec;
use futures_util::StreamExt;
use tokio::sync::watch;

use super::{
    ForecastingError,
    predict::forecast_camera,
    train::{TrainError, TrainSpec, TrainStep, train_camera},
};
use crate::Engine;

/// The app setting the last run is saved in.
pub const SETTING: &str = "forecast_retrain";

/// A window of the day, minutes from local midnight: `[start, end)`,
/// crossing midnight when `end <= start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// First minute.
    pub start: u32,
    /// Minute it closes.
    pub end: u32,
}

fn minute_of(hm: &str) -> Option<u32> {
    let (h, m) = hm.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then(|| h * 60 + m)
}

impl Window {
    /// Reads `HH:MM-HH:MM`.
    pub fn parse(s: &str) -> Result<Window, String> {
        let bad = || format!("{s:?} is not a window of the day like \"01:00-05:00\"");
        let (a, b) = s.split_once('-').ok_or_else(bad)?;
        let (start, end) = (minute_of(a).ok_or_else(bad)?, minute_of(b).ok_or_else(bad)?);
        if start == end {
            return Err(format!(
                "{s:?} is empty: the window must last at least a minute"
            ));
        }
        Ok(Window { start, end })
    }

    /// True when local minute-of-day `m` is inside.
    pub fn contains(&self, m: u32) -> bool {
        if self.start < self.end {
            (self.start..self.end).contains(&m)
        } else {
            m >= self.start || m < self.end
        }
    }

    /// True when local time `local_ms` (ms, as if UTC) is inside.
    pub fn holds(&self, local_ms: i64) -> bool {
        self.contains((local_ms.rem_euclid(DAY_MS) / 60_000) as u32)
    }

    /// The night a local time belongs to: the local date the window opened.
    pub fn night_of(&self, local_ms: i64) -> String {
        let m = (local_ms.rem_euclid(DAY_MS) / 60_000) as u32;
        let opened = if self.start > self.end && m < self.end {
            local_ms - DAY_MS
        } else {
            local_ms
        };
        chrono::DateTime::from_timestamp_millis(opened)
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default()
    }
}

/// Farm time now (ms, as if UTC): the engine's clock moved by the farm's offset.
async fn local_now(engine: &Engine) -> i64 {
    let now = engine.now_ms();
    now + i64::from(crate::farm::utc_offset_minutes(&engine.store, now).await) * 60_000
}

/// The last run saved.
pub async fn load(engine: &Engine) -> Option<RetrainRun> {
    let blob = engine.store.app_setting(SETTING).await.ok()??;
    serde_json::from_slice(&blob).ok()
}

async fn save(engine: &Engine, run: &RetrainRun) {
    let saved = match serde_json::to_vec(run) {
        Ok(json) => engine
            .store
            .set_app_setting(SETTING, &json)
            .await
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    if let Err(e) = saved {
        tracing::warn!(error = %e, "retraining state not saved");
    }
}

/// The settings and the last run (`GET /api/v1/models/retrain`).
pub async fn status(engine: &Engine) -> RetrainStatus {
    let c = &engine.config.forecast;
    RetrainStatus {
        enabled: c.retrain,
        window: c.retrain_window.clone(),
        spec: c.spec.clone(),
        candidates: candidates(&engine.config.forecast)
            .iter()
            .map(ToString::to_string)
            .collect(),
        folds: c.backtest_folds,
        last: load(engine).await,
    }
}

/// At start: a run still marked running was cut short by a stop or a kill.
pub async fn recover(engine: &Engine) {
    if let Some(mut run) = load(engine).await
        && run.state == RetrainState::Running
    {
        let left = run
            .cameras
            .iter()
            .filter(|c| c.state == CameraRetrainState::Pending)
            .count();
        tracing::warn!(
            night = %run.night,
            cameras_left = left,
            "the nightly retraining was interrupted: its cameras are retrained first at the next window"
        );
        run.state = RetrainState::Interrupted;
        run.interrupted_because = Some("the engine stopped during the run".into());
        run.current = None;
        save(engine, &run).await;
    }
}

/// The candidate models (`spec` alone when none is listed); specs that do
/// not parse were refused when the configuration was read.
pub fn candidates(c: &crate::config::ForecastConfig) -> Vec<SarimaxSpec> {
    let listed: Vec<SarimaxSpec> = c
        .candidates
        .iter()
        .filter_map(|s| SarimaxSpec::parse(s).ok())
        .collect();
    if listed.is_empty() {
        SarimaxSpec::parse(&c.spec).into_iter().collect()
    } else {
        listed
    }
}

/// Threads one fit may use when `parallel` cameras are fitted at once.
pub fn threads_per_fit(parallel: u32) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    (cores / parallel.max(1) as usize).max(1)
}

fn pending(source: &str) -> CameraRetrain {
    CameraRetrain {
        source: source.into(),
        state: CameraRetrainState::Pending,
        model_id: None,
        promoted: false,
        validation_rmse: None,
        baseline_rmse: None,
        production_rmse: None,
        message: String::new(),
        seconds: 0.0,
        spec: None,
        backtest: Vec::new(),
    }
}

/// A new run over `cameras`, the ones an unfinished earlier run left first.
fn new_run(
    night: String,
    spec: &str,
    now_ms: i64,
    cameras: &[String],
    before: Option<&RetrainRun>,
) -> RetrainRun {
    let mut order: Vec<String> = Vec::new();
    let mut resumed_from = None;
    if let Some(b) = before.filter(|b| b.state != RetrainState::Done) {
        resumed_from = Some(b.night.clone());
        order.extend(
            b.cameras
                .iter()
                .filter(|c| c.state == CameraRetrainState::Pending && cameras.contains(&c.source))
                .map(|c| c.source.clone()),
        );
    }
    for c in cameras {
        if !order.contains(c) {
            order.push(c.clone());
        }
    }
    RetrainRun {
        night,
        state: RetrainState::Running,
        started_ms: now_ms,
        ended_ms: None,
        spec: spec.into(),
        resumed_from,
        interrupted_because: None,
        cameras: order.iter().map(|s| pending(s)).collect(),
        current: None,
    }
}

/// One look at the clock: inside the window with tonight's run not done,
/// runs it (taking up an interrupted one); `None` otherwise.
pub async fn tick(engine: &Engine) -> Result<Option<RetrainRun>, ForecastingError> {
    let cfg = &engine.config.forecast;
    if !cfg.retrain {
        return Ok(None);
    }
    let window = Window::parse(&cfg.retrain_window)
        .map_err(|m| ForecastingError::Model { id: 0, message: m })?;
    let (now, local) = (engine.now_ms(), local_now(engine).await);
    if !window.holds(local) {
        return Ok(None);
    }
    let Some(_held) = Running::take() else {
        return Ok(None);
    };
    let night = window.night_of(local);
    let before = load(engine).await;
    let run = match before {
        Some(r) if r.night == night && r.state == RetrainState::Done => return Ok(None),
        // Tonight's, cut short by a restart: go on with it.
        Some(mut r) if r.night == night => {
            r.state = RetrainState::Running;
            r.interrupted_because = None;
            r
        }
        before => {
            let cameras = camera_sources(engine).await?;
            new_run(night, &spec_list(cfg), now, &cameras, before.as_ref())
        }
    };
    Ok(Some(run_cameras(engine, run, Some(window)).await?))
}

/// One run at a time in this engine (the nightly one or one started by hand).
static RUNNING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Holds [`RUNNING`] for as long as it lives.
struct Running;

impl Running {
    fn take() -> Option<Running> {
        (!RUNNING.swap(true, std::sync::atomic::Ordering::SeqCst)).then_some(Running)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        RUNNING.store(false, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Starts a run of every camera now in the background (the Forecasts
/// page's button); false when one is under way.
pub fn start_now(engine: &Engine) -> bool {
    let Some(held) = Running::take() else {
        return false;
    };
    let engine = engine.clone();
    tokio::spawn(async move {
        let _held = held;
        if let Err(e) = run_now(&engine, None).await {
            tracing::warn!(error = %e, "retraining failed");
        }
    });
    true
}

/// Retrains now, whatever the window: every camera, or only `source`.
pub async fn run_now(
    engine: &Engine,
    source: Option<&str>,
) -> Result<RetrainRun, ForecastingError> {
    let mut cameras = camera_sources(engine).await?;
    if let Some(s) = source {
        if !cameras.iter().any(|c| c == s) {
            return Err(ForecastingError::Model {
                id: 0,
                message: format!("no camera named {s:?}: `animov` lists them on the Cameras page"),
            });
        }
        cameras.retain(|c| c == s);
    }
    // Named as the window would name this night: a run now stands for it.
    let (now, local) = (engine.now_ms(), local_now(engine).await);
    let night = Window::parse(&engine.config.forecast.retrain_window)
        .map(|w| w.night_of(local))
        .unwrap_or_default();
    let before = load(engine).await;
    let run = new_run(
        night,
        &spec_list(&engine.config.forecast),
        now,
        &cameras,
        before.as_ref(),
    );
    run_cameras(engine, run, None).await
}

/// The candidates as a run names them.
fn spec_list(c: &crate::config::ForecastConfig) -> String {
    candidates(c)
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

async fn camera_sources(engine: &Engine) -> Result<Vec<String>, ForecastingError> {
    Ok(engine
        .store
        .cameras()
        .await?
        .into_iter()
        .map(|c| c.source)
        .collect())
}

/// Fits the run's pending cameras, saving it as it goes; stops (interrupted)
/// when the window closes or the engine stops.
async fn run_cameras(
    engine: &Engine,
    run: RetrainRun,
    window: Option<Window>,
) -> Result<RetrainRun, ForecastingError> {
    let cfg = &engine.config.forecast;
    let specs: Vec<SarimaxSpec> = run
        .spec
        .split(", ")
        .map(SarimaxSpec::parse)
        .collect::<Result<_, _>>()
        .map_err(|e| ForecastingError::Model {
            id: 0,
            message: e.to_string(),
        })?;
    let t = TrainSpec {
        candidates: specs,
        days: cfg.retrain_days,
        folds: cfg.backtest_folds,
        min_days: cfg.min_history_days,
        threads: threads_per_fit(cfg.retrain_parallel),
    };
    tracing::info!(night = %run.night, cameras = run.cameras.len(), spec = %run.spec, resumed_from = ?run.resumed_from, "nightly retraining started");
    let todo: Vec<usize> = run
        .cameras
        .iter()
        .enumerate()
        .filter(|(_, c)| c.state == CameraRetrainState::Pending)
        .map(|(i, _)| i)
        .collect();
    let shared = Arc::new(Mutex::new(run));
    save(engine, &snapshot(&shared)).await;
    let parallel = cfg.retrain_parallel.max(1) as usize;
    let mut fits = futures_util::stream::iter(todo.into_iter().map(|i| {
        let shared = shared.clone();
        let t = t.clone();
        async move {
            if let Some(why) = stop_reason(engine, window).await {
                return Some(why);
            }
            let source = shared.lock().unwrap_or_else(|p| p.into_inner()).cameras[i]
                .source
                .clone();
            let done = fit_one(engine, &source, t, shared.clone()).await;
            let mut r = shared.lock().unwrap_or_else(|p| p.into_inner());
            r.cameras[i] = done;
            None
        }
    }))
    .buffer_unordered(parallel);
    let mut interrupted = None;
    while let Some(stop) = fits.next().await {
        if let Some(why) = stop {
            interrupted.get_or_insert(why);
        }
        save(engine, &snapshot(&shared)).await;
    }
    drop(fits);
    let mut run = snapshot(&shared);
    run.current = None;
    run.ended_ms = Some(engine.now_ms());
    if let Some(why) = interrupted {
        run.state = RetrainState::Interrupted;
        run.interrupted_because = Some(why.into());
    } else {
        run.state = RetrainState::Done;
    }
    save(engine, &run).await;
    let count = |s: CameraRetrainState| run.cameras.iter().filter(|c| c.state == s).count();
    tracing::info!(
        night = %run.night,
        state = ?run.state,
        trained = count(CameraRetrainState::Trained),
        promoted = run.cameras.iter().filter(|c| c.promoted).count(),
        skipped = count(CameraRetrainState::Skipped),
        failed = count(CameraRetrainState::Failed),
        left = count(CameraRetrainState::Pending),
        "nightly retraining ended"
    );
    Ok(run)
}

fn snapshot(shared: &Mutex<RetrainRun>) -> RetrainRun {
    shared.lock().unwrap_or_else(|p| p.into_inner()).clone()
}

/// Why no camera should start now, if so.
async fn stop_reason(engine: &Engine, window: Option<Window>) -> Option<&'static str> {
    if engine.stopping.is_cancelled() {
        return Some("the engine stopped during the run");
    }
    let w = window?;
    (!w.holds(local_now(engine).await))
        .then_some("the window closed before every camera was retrained")
}

/// Trains one camera; its line in the run, and one line in the log.
async fn fit_one(
    engine: &Engine,
    source: &str,
    t: TrainSpec,
    shared: Arc<Mutex<RetrainRun>>,
) -> CameraRetrain {
    let started = std::time::Instant::now();
    let mut out = pending(source);
    let cam = match engine.store.camera_id(source).await {
        Ok(Some(id)) => id,
        Ok(None) => {
            out.state = CameraRetrainState::Skipped;
            out.message = "the camera was removed".into();
            return out;
        }
        Err(e) => {
            out.state = CameraRetrainState::Failed;
            out.message = e.to_string();
            return out;
        }
    };
    let (src, progress_run) = (source.to_string(), shared.clone());
    let result = train_camera(engine, cam, t, engine.now_ms(), move |s: TrainStep<'_>| {
        let Some((iteration, llf)) = s.fit else {
            return;
        };
        let mut r = progress_run.lock().unwrap_or_else(|p| p.into_inner());
        let done: Vec<f64> = r
            .cameras
            .iter()
            .filter(|c| c.state == CameraRetrainState::Trained)
            .map(|c| c.seconds)
            .collect();
        let left = r
            .cameras
            .iter()
            .filter(|c| c.state == CameraRetrainState::Pending)
            .count();
        let eta_s =
            (!done.is_empty()).then(|| done.iter().sum::<f64>() / done.len() as f64 * left as f64);
        r.current = Some(RetrainProgress {
            source: src.clone(),
            iteration,
            llf,
            eta_s,
        });
    })
    .await;
    out.seconds = started.elapsed().as_secs_f64();
    match result {
        Ok(trained) => {
            out.state = CameraRetrainState::Trained;
            out.model_id = Some(trained.model_id);
            out.promoted = trained.promoted;
            out.validation_rmse = Some(trained.validation_rmse);
            out.baseline_rmse = trained.baseline_rmse;
            out.production_rmse = trained.production_rmse;
            out.spec = Some(trained.spec.to_string());
            out.backtest = trained.backtest.clone();
            if trained.promoted
                && let Err(e) = forecast_camera(engine, cam, engine.now_ms()).await
            {
                tracing::warn!(source, error = %e, "forecast after retraining failed");
            }
            tracing::info!(
                source,
                spec = %trained.spec,
                model_id = trained.model_id,
                backtest_rmse = trained.validation_rmse,
                seasonal_naive_rmse = ?trained.baseline_rmse,
                production_rmse = ?trained.production_rmse,
                promoted = trained.promoted,
                seconds = out.seconds,
                "camera retrained"
            );
        }
        Err(e @ (TrainError::NotEnoughHistory { .. } | TrainError::TooFewDays { .. })) => {
            out.state = CameraRetrainState::Skipped;
            out.message = e.to_string();
            tracing::info!(source, reason = %e, "camera not retrained");
        }
        Err(e) => {
            out.state = CameraRetrainState::Failed;
            out.message = e.to_string();
            tracing::warn!(source, error = %e, "camera retraining failed; its production model stays");
        }
    }
    out
}

/// Looks at the clock every minute; runs the night's retraining in its window.
pub async fn task(engine: Engine, mut stop: watch::Receiver<bool>) {
    recover(&engine).await;
    loop {
        if let Err(e) = tick(&engine).await {
            tracing::warn!(error = %e, "nightly retraining failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(std::time::Duration::from_secs(60)) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_read_hold_and_name_their_night() {
        let w = Window::parse("01:00-05:00").unwrap();
        assert!(w.contains(60) && w.contains(299) && !w.contains(300) && !w.contains(59));
        let x = Window::parse("23:30-02:00").unwrap();
        assert!(x.contains(23 * 60 + 30) && x.contains(0) && x.contains(119) && !x.contains(120));
        // An hour past u32 / 60 overflowed before being refused (found by fuzzing the configuration).
        for bad in [
            "",
            "1-5",
            "25:00-01:00",
            "01:00-01:00",
            "01:00",
            "696228021:00-05:00",
        ] {
            assert!(Window::parse(bad).is_err(), "{bad}");
        }
        // 2026-12-03 00:30 local belongs to the night that opened on the 2nd at 23:30.
        let t = chrono::NaiveDate::from_ymd_opt(2026, 12, 3)
            .unwrap()
            .and_hms_opt(0, 30, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis();
        assert_eq!(x.night_of(t), "2026-12-02");
        assert_eq!(w.night_of(t), "2026-12-03");
    }

    #[test]
    fn an_unfinished_run_hands_its_cameras_first_to_the_next() {
        let cams: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let mut old = new_run("2026-12-01".into(), "(1,0,0)", 0, &cams, None);
        old.cameras[0].state = CameraRetrainState::Trained;
        old.state = RetrainState::Interrupted;
        old.cameras.swap(1, 2); // c was next
        let next = new_run("2026-12-02".into(), "(1,0,0)", 1, &cams, Some(&old));
        let order: Vec<&str> = next.cameras.iter().map(|c| c.source.as_str()).collect();
        assert_eq!(order, ["c", "b", "a"]);
        assert_eq!(next.resumed_from.as_deref(), Some("2026-12-01"));
        old.state = RetrainState::Done;
        let fresh = new_run("2026-12-02".into(), "(1,0,0)", 1, &cams, Some(&old));
        assert_eq!(fresh.resumed_from, None);
    }
}
