//! Per-camera vision settings: stored as JSON (checked by
//! [`CameraSettings::validate`] before), turned into the core's filter,
//! posture model and tiling.

use animov_api::{CameraSettings, PostureSettings};
use animov_core::{analysis::CameraFilter, posture::PostureModel};
use animov_store::{Store, StoreError};
use animov_vision::Tiling;

/// A camera's settings (the defaults when none were saved or they cannot be read).
pub async fn load(store: &Store, camera_id: i64) -> Result<CameraSettings, StoreError> {
    Ok(match store.camera_settings(camera_id).await? {
        Some(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            tracing::warn!(camera_id, error = %e, "stored vision settings unreadable; using the defaults");
            CameraSettings::default()
        }),
        None => CameraSettings::default(),
    })
}

/// Saves a camera's settings.
pub async fn save(store: &Store, camera_id: i64, s: &CameraSettings) -> Result<(), StoreError> {
    let json = serde_json::to_vec(s)
        .map_err(|e| StoreError::Corrupt(format!("camera settings cannot be stored: {e}")))?;
    store.set_camera_settings(camera_id, &json).await
}

/// The core filter of these settings.
pub fn filter(s: &CameraSettings) -> CameraFilter {
    CameraFilter {
        min_score: s.min_score,
        min_box: s.min_box,
        roi: s.roi.iter().map(|p| (p[0], p[1])).collect(),
    }
}

/// The posture classifier of these settings.
pub fn posture_model(s: &CameraSettings) -> PostureModel {
    match &s.posture {
        PostureSettings::Aspect { lying_below } => PostureModel::Aspect {
            lying_below: *lying_below,
        },
        PostureSettings::Logistic {
            mean,
            scale,
            weights,
            bias,
            ..
        } => PostureModel::Logistic {
            mean: *mean,
            scale: *scale,
            weights: *weights,
            bias: *bias,
        },
    }
}

/// Settings form of a fitted classifier.
pub fn posture_settings(m: &PostureModel, samples: u32) -> PostureSettings {
    match m {
        PostureModel::Aspect { lying_below } => PostureSettings::Aspect {
            lying_below: *lying_below,
        },
        PostureModel::Logistic {
            mean,
            scale,
            weights,
            bias,
        } => PostureSettings::Logistic {
            mean: *mean,
            scale: *scale,
            weights: *weights,
            bias: *bias,
            samples,
        },
    }
}

/// Tiling of these settings.
pub fn tiling(s: &CameraSettings) -> Option<Tiling> {
    s.tiles.map(|[cols, rows]| Tiling {
        cols,
        rows,
        overlap_pct: 20,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posture_round_trips_through_settings() {
        let m = PostureModel::Logistic {
            mean: [0.1, 0.2, 0.3],
            scale: [1.0, 2.0, 3.0],
            weights: [-1.0, 0.5, 0.2],
            bias: 0.3,
        };
        let s = CameraSettings {
            posture: posture_settings(&m, 8),
            ..Default::default()
        };
        assert_eq!(posture_model(&s), m);
    }
}
