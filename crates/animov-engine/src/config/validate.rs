//! The checks of settings that do not depend on the machine (the file's
//! and the environment's alike).

use super::{Config, ConfigError, DatabaseConfig, DatabaseTls};

impl Config {
    /// Checks settings that do not depend on the machine.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !self.listen.ip().is_loopback() && !self.allow_lan {
            return Err(ConfigError::Invalid(format!(
                "refusing to listen on {}: the API listens on loopback unless `allow_lan = true` is set",
                self.listen
            )));
        }
        if self.sync.role == animov_api::SyncRole::Central
            && !matches!(self.database, DatabaseConfig::Mysql { .. })
        {
            return Err(ConfigError::Invalid(
                "[sync] role = \"central\" needs MySQL or MariaDB: a central keeps every site's data and \
                 SQLite is for one barn PC. Set [database] url = \"mysql://user@host:3306/animov\" \
                 (password: `animov secret set mysql-password`)"
                    .into(),
            ));
        }
        if !(1..=100_000).contains(&self.sync.batch_rows) || self.sync.interval_seconds == 0 {
            return Err(ConfigError::Invalid(
                "sync.batch_rows must be 1 to 100000 and sync.interval_seconds at least 1".into(),
            ));
        }
        if let Err(e) = crate::forecasting::nightly::Window::parse(&self.forecast.retrain_window) {
            return Err(ConfigError::Invalid(format!(
                "forecast.retrain_window: {e}"
            )));
        }
        if let Err(e) = animov_forecast::SarimaxSpec::parse(&self.forecast.spec) {
            return Err(ConfigError::Invalid(format!("forecast.spec: {e}")));
        }
        for c in &self.forecast.candidates {
            if let Err(e) = animov_forecast::SarimaxSpec::parse(c) {
                return Err(ConfigError::Invalid(format!("forecast.candidates: {e}")));
            }
        }
        if self.forecast.candidates.len() > 8 || !(1..=10).contains(&self.forecast.backtest_folds) {
            return Err(ConfigError::Invalid(
                "forecast.candidates may list at most 8 models and forecast.backtest_folds must be 1 to 10".into(),
            ));
        }
        if !(4..=60).contains(&self.forecast.retrain_days)
            || !(1..=64).contains(&self.forecast.retrain_parallel)
        {
            return Err(ConfigError::Invalid(
                "forecast.retrain_days must be 4 to 60 and forecast.retrain_parallel 1 to 64"
                    .into(),
            ));
        }
        if !(1..=4096).contains(&self.sync.kept_video_max_mib) {
            return Err(ConfigError::Invalid(
                "sync.kept_video_max_mib must be 1 to 4096".into(),
            ));
        }
        if self.token_ttl_hours == 0 || self.token_ttl_hours > 24 * 30 {
            return Err(ConfigError::Invalid(
                "token_ttl_hours must be between 1 and 720".into(),
            ));
        }
        if self.max_body_mib == 0 || self.max_body_mib > 256 {
            return Err(ConfigError::Invalid(
                "max_body_mib must be between 1 and 256".into(),
            ));
        }
        if self.demo.interval_ms < 50 || self.demo.backfill_interval_ms < 50 {
            return Err(ConfigError::Invalid(
                "demo intervals must be at least 50 ms".into(),
            ));
        }
        if animov_forecast::SarimaxSpec::parse(&self.forecast.spec).is_err()
            || !(1..=30).contains(&self.forecast.min_history_days)
        {
            return Err(ConfigError::Invalid(
                "forecast.spec must be (p,d,q)(P,D,Q,s) and forecast.min_history_days 1 to 30"
                    .into(),
            ));
        }
        let v = &self.vision;
        if !(1..=30).contains(&v.fps) {
            return Err(ConfigError::Invalid(
                "vision.fps must be between 1 and 30".into(),
            ));
        }
        if !(1..=16).contains(&v.workers) || !(1..=64).contains(&v.threads_per_worker) {
            return Err(ConfigError::Invalid(
                "vision.workers must be 1 to 16 and vision.threads_per_worker 1 to 64".into(),
            ));
        }
        if v.segment_minutes == 0 || v.segment_minutes > 24 * 60 {
            return Err(ConfigError::Invalid(
                "vision.segment_minutes must be 1 to 1440".into(),
            ));
        }
        if v.decoder_threads > 64 {
            return Err(ConfigError::Invalid(
                "vision.decoder_threads must be 0 (one per core) to 64".into(),
            ));
        }
        if !(1..=1 << 20).contains(&v.min_free_mib) {
            return Err(ConfigError::Invalid(
                "vision.min_free_mib must be 1 to 1048576 (1 TiB)".into(),
            ));
        }
        if v.quota_gib.is_nan() || v.quota_gib <= 0.0 || v.snapshots_per_hour > 60 {
            return Err(ConfigError::Invalid(
                "vision.quota_gib must be positive and vision.snapshots_per_hour at most 60".into(),
            ));
        }
        if !(5..=3600).contains(&self.alerts.interval_seconds)
            || !(1..=300).contains(&self.email.timeout_seconds)
        {
            return Err(ConfigError::Invalid(
                "alerts.interval_seconds must be 5 to 3600 and email.timeout_seconds 1 to 300"
                    .into(),
            ));
        }
        if self.email.smtp_host.is_some()
            && self.email.from.parse::<lettre::message::Mailbox>().is_err()
        {
            return Err(ConfigError::Invalid(format!(
                "email.from {:?} is not an address (e.g. \"AniMOV <animov@farm.example>\")",
                self.email.from
            )));
        }
        self.tls.validate()?;
        if let DatabaseConfig::Mysql { url, tls, ca_file } = &self.database {
            if !url.starts_with("mysql://") {
                return Err(ConfigError::Invalid(
                    "database.url must start with mysql://".into(),
                ));
            }
            if ca_file.is_some() && *tls != DatabaseTls::Verify {
                return Err(ConfigError::Invalid(
                    "database.ca_file is used to check the server's certificate: set \
                     database.tls = \"verify\" with it (or remove it)"
                        .into(),
                ));
            }
        }
        Ok(())
    }
}
