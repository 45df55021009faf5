//! Long jobs started from the API (model training): their progress, kept in memory.

use std::{
    collections::HashMap,
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
};

use animov_api::JobInfo;

/// Running and finished jobs of this engine run.
#[derive(Debug, Default)]
pub struct Jobs {
    next: AtomicU64,
    all: Mutex<HashMap<u64, JobInfo>>,
}

impl Jobs {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, JobInfo>> {
        self.all.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers a running job; returns its id.
    pub fn start(&self, kind: &str) -> u64 {
        let id = self.next.fetch_add(1, Ordering::SeqCst) + 1;
        self.lock().insert(
            id,
            JobInfo {
                id,
                kind: kind.into(),
                state: "running".into(),
                progress: 0.0,
                message: "starting".into(),
                model_id: None,
                promoted: None,
            },
        );
        id
    }

    /// Updates a job's progress.
    pub fn progress(&self, id: u64, share: f64, message: &str) {
        if let Some(j) = self.lock().get_mut(&id) {
            j.progress = share.clamp(0.0, 1.0);
            j.message = message.into();
        }
    }

    /// Ends a job.
    pub fn finish(&self, id: u64, result: Result<(i64, bool), String>) {
        if let Some(j) = self.lock().get_mut(&id) {
            match result {
                Ok((model_id, promoted)) => {
                    j.state = "done".into();
                    j.progress = 1.0;
                    j.model_id = Some(model_id);
                    j.promoted = Some(promoted);
                }
                Err(e) => {
                    j.state = "failed".into();
                    j.message = e;
                }
            }
        }
    }

    /// A job's state.
    pub fn get(&self, id: u64) -> Option<JobInfo> {
        self.lock().get(&id).cloned()
    }
}
