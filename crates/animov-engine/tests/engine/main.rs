//! The engine driven through its seams — a manual clock, a recording mailer,
//! a camera worker with no engine around it — so what the jobs decide is
//! checked at any hour, without an SMTP server and without waiting.

mod outbox;
mod worker;

use std::sync::Arc;

use animov_engine::{
    Engine, Seams,
    clock::ManualClock,
    config::{Config, SecretsBackend},
    mail::RecordingMailer,
};
use animov_store::testing::TestStore;

/// 2024-11-29T12:00Z.
pub const T0: i64 = 1_732_881_600_000;

/// An engine over `t`'s store whose clock shows `T0` and whose mail is recorded.
pub struct Rig {
    /// The engine.
    pub engine: Engine,
    /// Its clock, to move by hand.
    pub clock: Arc<ManualClock>,
    /// What it sent.
    pub mailer: RecordingMailer,
    /// Its data folder.
    pub dir: tempfile::TempDir,
}

/// A [`Rig`] over `t`'s store.
pub fn rig(t: &TestStore) -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let mailer = RecordingMailer::new();
    let config = Config {
        data_dir: dir.path().to_path_buf(),
        secrets: SecretsBackend::File,
        ..Config::default()
    };
    let engine = Engine::with_seams(
        t.store.clone(),
        config,
        Seams {
            clock: clock.clone(),
            mailer: Arc::new(mailer.clone()),
        },
    );
    Rig {
        engine,
        clock,
        mailer,
        dir,
    }
}
