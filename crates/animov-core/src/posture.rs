//! Standing or lying, from a box's geometry, for detectors that only say "animal".
//!
//! A goat lying down is a low, wide box; standing, it is taller than it is
//! long seen from most barn cameras only when head-on, so the aspect ratio
//! alone is a weak cue. The classifier therefore uses three features of the
//! box in its frame: `ln(h / w)`, the bottom edge's height in the frame
//! (`y2 / H`, the perspective: far animals sit higher and look smaller) and
//! `ln(h / H)`. Until a camera is calibrated, the documented default rule
//! applies: **lying when `h / w < 0.62`** (a lying goat's box is about twice as
//! wide as high; standing from the side it is about 0.8–1.1).
//!
//! Calibration: the user marks a handful of boxes on a snapshot as standing or
//! lying; [`PostureModel::calibrate`] fits an L2-regularised logistic
//! regression on the standardised features (Newton's method, a few
//! iterations). At least one box of each posture is required.

use crate::geometry::BBox;

/// Posture of one animal in one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Posture {
    /// On its feet.
    Standing,
    /// Lying down.
    Lying,
    /// Not decided (e.g. a tracker's fresh track); counted in neither number.
    Unknown,
}

impl Posture {
    /// `standing`, `lying` or `unknown`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Posture::Standing => "standing",
            Posture::Lying => "lying",
            Posture::Unknown => "unknown",
        }
    }

    /// Parses [`Posture::as_str`].
    pub fn parse(s: &str) -> Option<Posture> {
        match s {
            "standing" => Some(Posture::Standing),
            "lying" => Some(Posture::Lying),
            "unknown" => Some(Posture::Unknown),
            _ => None,
        }
    }
}

/// Default rule threshold on `h / w` (lying below).
pub const DEFAULT_LYING_ASPECT: f32 = 0.62;

/// A box the user marked on a snapshot.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LabelledBox {
    /// The box, in pixels of the snapshot.
    pub bbox: BBox,
    /// Its posture (`Unknown` boxes are ignored).
    pub posture: Posture,
}

/// The three features of a box in a frame of height `frame_h`.
pub fn features(b: &BBox, frame_h: f32) -> [f64; 3] {
    let w = f64::from(b.w.max(1.0));
    let h = f64::from(b.h.max(1.0));
    let fh = f64::from(frame_h.max(1.0));
    [(h / w).ln(), f64::from(b.y2()) / fh, (h / fh).ln()]
}

/// A camera's posture classifier.
#[derive(Debug, Clone, PartialEq)]
pub enum PostureModel {
    /// Lying when `h / w` is below the threshold.
    Aspect {
        /// Threshold on `h / w`.
        lying_below: f32,
    },
    /// Logistic regression on standardised [`features`]; P(lying) = σ(b + Σ wᵢ·zᵢ).
    Logistic {
        /// Feature means.
        mean: [f64; 3],
        /// Feature standard deviations (1 where constant).
        scale: [f64; 3],
        /// Weights.
        weights: [f64; 3],
        /// Intercept.
        bias: f64,
    },
}

impl Default for PostureModel {
    fn default() -> Self {
        PostureModel::Aspect {
            lying_below: DEFAULT_LYING_ASPECT,
        }
    }
}

/// Why calibration failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalibrationError {
    /// Needs at least one box of each posture.
    #[error(
        "calibration needs at least one standing and one lying box (got {standing} standing, {lying} lying): mark more boxes on the snapshot"
    )]
    NeedBothPostures {
        /// Standing boxes given.
        standing: usize,
        /// Lying boxes given.
        lying: usize,
    },
}

impl PostureModel {
    /// Posture of a box in a frame of height `frame_h`.
    pub fn classify(&self, b: &BBox, frame_h: f32) -> Posture {
        if self.p_lying(b, frame_h) >= 0.5 {
            Posture::Lying
        } else {
            Posture::Standing
        }
    }

    /// Probability that the box is a lying animal (0 or 1 for the aspect rule).
    pub fn p_lying(&self, b: &BBox, frame_h: f32) -> f64 {
        match self {
            PostureModel::Aspect { lying_below } => {
                if b.h < lying_below * b.w {
                    1.0
                } else {
                    0.0
                }
            }
            PostureModel::Logistic {
                mean,
                scale,
                weights,
                bias,
            } => {
                let f = features(b, frame_h);
                let z: f64 = bias
                    + (0..3)
                        .map(|i| weights[i] * (f[i] - mean[i]) / scale[i])
                        .sum::<f64>();
                sigmoid(z)
            }
        }
    }

    /// Fits a logistic model to the marked boxes (L2 penalty 1.0 on the weights).
    pub fn calibrate(
        boxes: &[LabelledBox],
        frame_h: f32,
    ) -> Result<PostureModel, CalibrationError> {
        let data: Vec<([f64; 3], f64)> = boxes
            .iter()
            .filter_map(|l| match l.posture {
                Posture::Lying => Some((features(&l.bbox, frame_h), 1.0)),
                Posture::Standing => Some((features(&l.bbox, frame_h), 0.0)),
                Posture::Unknown => None,
            })
            .collect();
        let lying = data.iter().filter(|d| d.1 == 1.0).count();
        let standing = data.len() - lying;
        if lying == 0 || standing == 0 {
            return Err(CalibrationError::NeedBothPostures { standing, lying });
        }
        let n = data.len() as f64;
        let mut mean = [0.0; 3];
        let mut scale = [0.0; 3];
        for i in 0..3 {
            mean[i] = data.iter().map(|d| d.0[i]).sum::<f64>() / n;
            let var = data.iter().map(|d| (d.0[i] - mean[i]).powi(2)).sum::<f64>() / n;
            scale[i] = if var > 1e-12 { var.sqrt() } else { 1.0 };
        }
        let z: Vec<([f64; 4], f64)> = data
            .iter()
            .map(|(f, y)| {
                (
                    [
                        1.0,
                        (f[0] - mean[0]) / scale[0],
                        (f[1] - mean[1]) / scale[1],
                        (f[2] - mean[2]) / scale[2],
                    ],
                    *y,
                )
            })
            .collect();
        let lambda = 1.0;
        let mut beta = [0.0f64; 4];
        for _ in 0..25 {
            // Gradient and Hessian of the penalised negative log-likelihood.
            let mut g = [0.0; 4];
            let mut hess = [[0.0; 4]; 4];
            for (x, y) in &z {
                let p = sigmoid((0..4).map(|i| beta[i] * x[i]).sum());
                let w = p * (1.0 - p);
                for i in 0..4 {
                    g[i] += (p - y) * x[i];
                    for j in 0..4 {
                        hess[i][j] += w * x[i] * x[j];
                    }
                }
            }
            for i in 1..4 {
                g[i] += lambda * beta[i];
                hess[i][i] += lambda;
            }
            hess[0][0] += 1e-6;
            let Some(step) = solve4(hess, g) else { break };
            for i in 0..4 {
                beta[i] -= step[i];
            }
            if step.iter().map(|s| s.abs()).fold(0.0, f64::max) < 1e-10 {
                break;
            }
        }
        Ok(PostureModel::Logistic {
            mean,
            scale,
            weights: [beta[1], beta[2], beta[3]],
            bias: beta[0],
        })
    }
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// Solves a 4×4 system by Gaussian elimination with partial pivoting.
fn solve4(mut a: [[f64; 4]; 4], mut b: [f64; 4]) -> Option<[f64; 4]> {
    for c in 0..4 {
        let p = (c..4).max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))?;
        if a[p][c].abs() < 1e-14 {
            return None;
        }
        a.swap(c, p);
        b.swap(c, p);
        for r in c + 1..4 {
            let f = a[r][c] / a[c][c];
            let pivot = a[c];
            for (x, p) in a[r].iter_mut().zip(pivot).skip(c) {
                *x -= f * p;
            }
            b[r] -= f * b[c];
        }
    }
    let mut x = [0.0; 4];
    for r in (0..4).rev() {
        let s: f64 = (r + 1..4).map(|k| a[r][k] * x[k]).sum();
        x[r] = (b[r] - s) / a[r][r];
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bx(x: f32, y: f32, w: f32, h: f32) -> BBox {
        BBox { x, y, w, h }
    }

    #[test]
    fn default_rule_uses_aspect_ratio() {
        let m = PostureModel::default();
        assert_eq!(
            m.classify(&bx(0.0, 0.0, 100.0, 40.0), 720.0),
            Posture::Lying
        );
        assert_eq!(
            m.classify(&bx(0.0, 0.0, 100.0, 90.0), 720.0),
            Posture::Standing
        );
    }

    #[test]
    fn calibration_learns_a_camera_where_standing_goats_look_wide() {
        // A camera high above the pen: standing goats seen from above look wide
        // too (h/w ≈ 0.55, below the default threshold), lying ones flatter (≈ 0.35)
        // and smaller. The default rule calls them all lying; calibration must not.
        let mut marks = Vec::new();
        for i in 0..4 {
            let y = 100.0 + 120.0 * i as f32;
            marks.push(LabelledBox {
                bbox: bx(10.0, y, 120.0, 66.0),
                posture: Posture::Standing,
            });
            marks.push(LabelledBox {
                bbox: bx(300.0, y + 30.0, 110.0, 38.0),
                posture: Posture::Lying,
            });
        }
        let m = PostureModel::calibrate(&marks, 720.0).unwrap();
        assert_eq!(
            m.classify(&bx(500.0, 300.0, 118.0, 64.0), 720.0),
            Posture::Standing
        );
        assert_eq!(
            m.classify(&bx(500.0, 300.0, 112.0, 40.0), 720.0),
            Posture::Lying
        );
        let default = PostureModel::default();
        assert_eq!(
            default.classify(&bx(500.0, 300.0, 118.0, 64.0), 720.0),
            Posture::Lying
        );
        for l in &marks {
            assert_eq!(m.classify(&l.bbox, 720.0), l.posture);
        }
    }

    #[test]
    fn calibration_needs_both_postures() {
        let marks = [LabelledBox {
            bbox: bx(0.0, 0.0, 10.0, 10.0),
            posture: Posture::Standing,
        }];
        assert_eq!(
            PostureModel::calibrate(&marks, 100.0),
            Err(CalibrationError::NeedBothPostures {
                standing: 1,
                lying: 0
            })
        );
    }

    #[test]
    fn posture_names_round_trip() {
        for p in [Posture::Standing, Posture::Lying, Posture::Unknown] {
            assert_eq!(Posture::parse(p.as_str()), Some(p));
        }
    }
}
