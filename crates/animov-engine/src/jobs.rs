//! Long jobs started from the API (model training, clip export): their
//! progress, kept in memory.

use std::{
    collections::HashMap,
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
};

use animov_api::{JobInfo, JobState};

/// Running and finished jobs of this engine run.
#[derive(Debug, Default)]
pub struct Jobs {
    next: AtomicU64,
    all: Mutex<HashMap<u64, JobInfo>>,
}

/// What a finished training job produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Produced {
    /// The model registered.
    pub model_id: i64,
    /// Whether it became the production model.
    pub promoted: bool,
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
                state: JobState::Running,
                progress: 0.0,
                message: "starting".into(),
                model_id: None,
                promoted: None,
                output: None,
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

    /// Ends a job: done with what it produced, or failed with why.
    pub fn finish<E: std::fmt::Display>(&self, id: u64, result: Result<Produced, E>) {
        if let Some(j) = self.lock().get_mut(&id) {
            match result {
                Ok(p) => {
                    j.state = JobState::Done;
                    j.progress = 1.0;
                    j.model_id = Some(p.model_id);
                    j.promoted = Some(p.promoted);
                }
                Err(e) => {
                    j.state = JobState::Failed;
                    j.message = e.to_string();
                }
            }
        }
    }

    /// Ends a job that made a file: done with where to download it, or failed with why.
    pub fn finish_file<E: std::fmt::Display>(
        &self,
        id: u64,
        result: Result<String, E>,
        done: &str,
    ) {
        if let Some(j) = self.lock().get_mut(&id) {
            match result {
                Ok(url) => {
                    j.state = JobState::Done;
                    j.progress = 1.0;
                    j.message = done.into();
                    j.output = Some(url);
                }
                Err(e) => {
                    j.state = JobState::Failed;
                    j.message = e.to_string();
                }
            }
        }
    }

    /// A job's state.
    pub fn get(&self, id: u64) -> Option<JobInfo> {
        self.lock().get(&id).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_run_then_end_done_or_failed() {
        let jobs = Jobs::default();
        let a = jobs.start("forecast training");
        jobs.progress(a, 0.5, "fitting");
        assert_eq!(jobs.get(a).unwrap().state, JobState::Running);
        jobs.finish::<String>(
            a,
            Ok(Produced {
                model_id: 7,
                promoted: true,
            }),
        );
        let j = jobs.get(a).unwrap();
        assert_eq!(
            (j.state, j.model_id, j.progress),
            (JobState::Done, Some(7), 1.0)
        );
        let b = jobs.start("forecast training");
        jobs.finish::<&str>(b, Err("not enough history"));
        let j = jobs.get(b).unwrap();
        assert_eq!(
            (j.state, j.message.as_str()),
            (JobState::Failed, "not enough history")
        );
        assert!(jobs.get(99).is_none());
    }
}
