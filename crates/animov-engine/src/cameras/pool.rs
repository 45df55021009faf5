//! A few detectors shared by every camera that uses the same model.

use std::{path::PathBuf, sync::Mutex};

use animov_vision::{DetectError, Detector};

/// Detectors of one model, loaded on first use.
#[derive(Debug)]
pub struct DetectorPool {
    path: PathBuf,
    threads: usize,
    slots: Vec<Mutex<Option<Detector>>>,
}

impl DetectorPool {
    /// A pool of `size` lazily loaded detectors of `path`, `threads` each.
    pub fn new(path: PathBuf, size: usize, threads: usize) -> DetectorPool {
        DetectorPool {
            path,
            threads,
            slots: (0..size.max(1)).map(|_| Mutex::new(None)).collect(),
        }
    }

    /// The model file.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Runs `f` on a free detector (waiting for slot `hint` when all are busy).
    pub fn with<R>(
        &self,
        hint: usize,
        f: impl FnOnce(&mut Detector) -> R,
    ) -> Result<R, DetectError> {
        let n = self.slots.len();
        let mut guard = (0..n)
            .find_map(|k| self.slots[(hint + k) % n].try_lock().ok())
            .unwrap_or_else(|| {
                self.slots[hint % n]
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
            });
        if guard.is_none() {
            *guard = Some(Detector::load(&self.path, self.threads)?);
        }
        Ok(f(guard.as_mut().expect("loaded above")))
    }
}
