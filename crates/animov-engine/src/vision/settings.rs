//! Per-camera vision settings: stored as JSON, validated, turned into the
//! core's filter, posture model and tiling.

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
    let json = serde_json::to_vec(s).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    store.set_camera_settings(camera_id, &json).await
}

/// Checks settings a user sent; `Err((field, message))`.
pub fn validate(s: &CameraSettings) -> Result<(), (&'static str, String)> {
    if !(0.0..=1.0).contains(&s.min_score) {
        return Err(("min_score", "min_score must be between 0 and 1".into()));
    }
    if !(0.0..=10_000.0).contains(&s.min_box) {
        return Err((
            "min_box",
            "min_box must be between 0 and 10000 pixels".into(),
        ));
    }
    if !s.roi.is_empty() && (s.roi.len() < 3 || s.roi.len() > 100) {
        return Err((
            "roi",
            "a region of interest needs 3 to 100 points (or none)".into(),
        ));
    }
    if s.roi
        .iter()
        .flatten()
        .any(|v| !v.is_finite() || *v < 0.0 || *v > 100_000.0)
    {
        return Err((
            "roi",
            "region points must be pixel positions (0 to 100000)".into(),
        ));
    }
    if let Some([c, r]) = s.tiles
        && (!(1..=8).contains(&c) || !(1..=8).contains(&r))
    {
        return Err((
            "tiles",
            "tiles must be [columns, rows] with 1 to 8 each".into(),
        ));
    }
    if let PostureSettings::Aspect { lying_below } = s.posture
        && !(0.05..=5.0).contains(&lying_below)
    {
        return Err((
            "posture.lying_below",
            "lying_below must be between 0.05 and 5".into(),
        ));
    }
    if let Some(m) = &s.model
        && !m.ends_with(".onnx")
    {
        return Err((
            "model",
            "model must be the path of an .onnx file (its .json beside it)".into(),
        ));
    }
    Ok(())
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
    fn defaults_are_valid_and_bad_values_name_their_field() {
        assert!(validate(&CameraSettings::default()).is_ok());
        let bad = CameraSettings {
            tiles: Some([0, 2]),
            ..Default::default()
        };
        assert_eq!(validate(&bad).unwrap_err().0, "tiles");
        let bad = CameraSettings {
            roi: vec![[0.0, 0.0], [1.0, 1.0]],
            ..Default::default()
        };
        assert_eq!(validate(&bad).unwrap_err().0, "roi");
        let bad = CameraSettings {
            model: Some("/x/model.pt".into()),
            ..Default::default()
        };
        assert_eq!(validate(&bad).unwrap_err().0, "model");
    }

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
