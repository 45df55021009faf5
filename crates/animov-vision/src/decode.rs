//! Raw model outputs → scored boxes in input pixels (before NMS). Pure.

use animov_core::geometry::{BBox, Scored};

use crate::spec::{ModelSpec, OutputFormat};

/// One output tensor: its shape and its values.
#[derive(Debug, Clone, Copy)]
pub struct OutputView<'a> {
    /// Dimensions.
    pub shape: &'a [usize],
    /// Row-major values.
    pub data: &'a [f32],
}

/// The outputs do not have the layout the sidecar announces.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the model's outputs do not match its description ({format}): {message}; check `format` and `classes` in the model's .json"
)]
pub struct DecodeError {
    /// Declared format.
    pub format: &'static str,
    /// What did not match.
    pub message: String,
}

/// Decodes every candidate at or above `spec.score_threshold`, in input pixels.
/// An output whose data is not as long as its shape says is an error, and
/// a candidate with a coordinate or score that is not a finite number (a
/// broken model) or a box of no size is left out.
pub fn decode(spec: &ModelSpec, outputs: &[OutputView<'_>]) -> Result<Vec<Scored>, DecodeError> {
    for o in outputs {
        let want = o.shape.iter().try_fold(1usize, |a, d| a.checked_mul(*d));
        if want != Some(o.data.len()) {
            return Err(DecodeError {
                format: match spec.format {
                    OutputFormat::Yolov8 => "yolov8",
                    OutputFormat::Nanodet => "nanodet",
                },
                message: format!(
                    "an output of shape {:?} holds {} values",
                    o.shape,
                    o.data.len()
                ),
            });
        }
    }
    let mut found = match spec.format {
        OutputFormat::Yolov8 => decode_yolov8(spec, outputs),
        OutputFormat::Nanodet => decode_nanodet(spec, outputs),
    }?;
    found.retain(|s| {
        let b = s.bbox;
        [b.x, b.y, b.w, b.h, s.score].iter().all(|v| v.is_finite()) && b.w > 0.0 && b.h > 0.0
    });
    Ok(found)
}

fn shape_str(outputs: &[OutputView<'_>]) -> String {
    outputs
        .iter()
        .map(|o| format!("{:?}", o.shape))
        .collect::<Vec<_>>()
        .join(", ")
}

/// YOLOv8/YOLO11: `[1, 4 + nc, n]` (or transposed `[1, n, 4 + nc]`), rows cx, cy, w, h, scores.
fn decode_yolov8(spec: &ModelSpec, outputs: &[OutputView<'_>]) -> Result<Vec<Scored>, DecodeError> {
    let nc = spec.classes.len();
    let err = |message: String| DecodeError {
        format: "yolov8",
        message,
    };
    let o = outputs
        .first()
        .ok_or_else(|| err("the model has no output".into()))?;
    let dims: Vec<usize> = o.shape.iter().copied().filter(|d| *d != 1).collect();
    let (n, transposed) = match dims.as_slice() {
        [a, b] if *a == 4 + nc => (*b, false),
        [a, b] if *b == 4 + nc => (*a, true),
        _ => {
            return Err(err(format!(
                "expected one output [1, {}, N] for {nc} classes, got {}",
                4 + nc,
                shape_str(outputs)
            )));
        }
    };
    let at = |row: usize, i: usize| {
        if transposed {
            o.data[i * (4 + nc) + row]
        } else {
            o.data[row * n + i]
        }
    };
    let mut out = Vec::new();
    for i in 0..n {
        let mut best = 0;
        let mut score = f32::MIN;
        for c in 0..nc {
            let s = at(4 + c, i);
            if s > score {
                score = s;
                best = c;
            }
        }
        if score < spec.score_threshold {
            continue;
        }
        let (cx, cy, w, h) = (at(0, i), at(1, i), at(2, i), at(3, i));
        out.push(Scored {
            bbox: BBox {
                x: cx - w / 2.0,
                y: cy - h / 2.0,
                w,
                h,
            },
            class_id: best,
            score,
        });
    }
    Ok(out)
}

/// NanoDet: per stride, scores `[1, g², nc]` and distance bins `[1, g², 4·(reg_max+1)]`.
fn decode_nanodet(
    spec: &ModelSpec,
    outputs: &[OutputView<'_>],
) -> Result<Vec<Scored>, DecodeError> {
    let nc = spec.classes.len();
    let bins = spec.reg_max as usize + 1;
    let mut out = Vec::new();
    let mut probs = vec![0f32; bins];
    for &stride in &spec.strides {
        let gw = (spec.input.width / stride) as usize;
        let gh = (spec.input.height / stride) as usize;
        let cells = gw * gh;
        let find = |last: usize| {
            outputs.iter().find(|o| {
                let d: Vec<usize> = o.shape.iter().copied().filter(|d| *d != 1).collect();
                d == [cells, last]
            })
        };
        let (Some(cls), Some(reg)) = (find(nc), find(4 * bins)) else {
            return Err(DecodeError {
                format: "nanodet",
                message: format!(
                    "stride {stride} needs outputs [1, {cells}, {nc}] and [1, {cells}, {}], got {}",
                    4 * bins,
                    shape_str(outputs)
                ),
            });
        };
        for cell in 0..cells {
            let scores = &cls.data[cell * nc..(cell + 1) * nc];
            let (best, &score) = scores
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .unwrap_or((0, &0.0));
            if score < spec.score_threshold {
                continue;
            }
            let cx = ((cell % gw) as f32 + spec.center_offset) * stride as f32;
            let cy = ((cell / gw) as f32 + spec.center_offset) * stride as f32;
            let mut d = [0f32; 4];
            for (side, dist) in d.iter_mut().enumerate() {
                let logits =
                    &reg.data[cell * 4 * bins + side * bins..cell * 4 * bins + (side + 1) * bins];
                let m = logits.iter().copied().fold(f32::MIN, f32::max);
                let mut sum = 0.0;
                for (p, l) in probs.iter_mut().zip(logits) {
                    *p = (l - m).exp();
                    sum += *p;
                }
                *dist = probs
                    .iter()
                    .enumerate()
                    .map(|(k, p)| k as f32 * p)
                    .sum::<f32>()
                    / sum
                    * stride as f32;
            }
            out.push(Scored {
                bbox: BBox::from_corners(cx - d[0], cy - d[1], cx + d[2], cy + d[3]),
                class_id: best,
                score,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: &str) -> ModelSpec {
        ModelSpec::parse(json.as_bytes(), "t.json").unwrap()
    }

    #[test]
    fn outputs_shorter_than_their_shape_and_boxes_that_are_not_numbers_are_refused() {
        let s = spec(
            r#"{"name":"t","format":"yolov8","input":{"width":64,"height":64,"channels":"rgb","mean":[0,0,0],"std":[255,255,255]},
            "classes":["a","b"],"roles":{"a":"animal"},"score_threshold":0.5}"#,
        );
        // Found by fuzzing (fuzz/regressions/model_outputs): it indexed past the data.
        let e = decode(
            &s,
            &[OutputView {
                shape: &[1, 6, 2],
                data: &[],
            }],
        )
        .unwrap_err();
        assert!(e.message.contains("holds 0 values"), "{e}");
        // Anchor 1 has a NaN width, anchor 2 an infinite x, anchor 3 no height: none kept.
        let rows = [
            10.0,
            f32::INFINITY,
            10.0,
            20.0,
            20.0,
            20.0,
            f32::NAN,
            4.0,
            4.0,
            6.0,
            6.0,
            0.0,
            0.9,
            0.9,
            0.9,
            0.1,
            0.1,
            0.1,
        ];
        let got = decode(
            &s,
            &[OutputView {
                shape: &[1, 6, 3],
                data: &rows,
            }],
        )
        .unwrap();
        assert!(got.is_empty(), "{got:?}");
    }

    #[test]
    fn yolov8_rows_and_transposed_layout_agree() {
        let s = spec(
            r#"{"name":"t","format":"yolov8","input":{"width":64,"height":64,"channels":"rgb","mean":[0,0,0],"std":[255,255,255]},
            "classes":["a","b"],"roles":{"a":"animal"},"score_threshold":0.5}"#,
        );
        // Two anchors: (cx 10, cy 20, w 4, h 6, a 0.9, b 0.1), (30, 30, 2, 2, 0.2, 0.3 → dropped).
        let rows = [
            10.0, 30.0, 20.0, 30.0, 4.0, 2.0, 6.0, 2.0, 0.9, 0.2, 0.1, 0.3,
        ];
        let got = decode(
            &s,
            &[OutputView {
                shape: &[1, 6, 2],
                data: &rows,
            }],
        )
        .unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(
            got[0].bbox,
            BBox {
                x: 8.0,
                y: 17.0,
                w: 4.0,
                h: 6.0
            }
        );
        assert_eq!((got[0].class_id, got[0].score), (0, 0.9));
        let cols = [
            10.0, 20.0, 4.0, 6.0, 0.9, 0.1, 30.0, 30.0, 2.0, 2.0, 0.2, 0.3,
        ];
        let t = decode(
            &s,
            &[OutputView {
                shape: &[1, 2, 6],
                data: &cols,
            }],
        )
        .unwrap();
        assert_eq!(got, t);
        let e = decode(
            &s,
            &[OutputView {
                shape: &[1, 7, 2],
                data: &[0.0; 14],
            }],
        )
        .unwrap_err();
        assert!(e.to_string().contains("[1, 6, N]"), "{e}");
    }

    #[test]
    fn nanodet_distance_bins_are_expected_distances() {
        let s = spec(
            r#"{"name":"t","format":"nanodet","input":{"width":16,"height":16,"channels":"bgr","mean":[0,0,0],"std":[1,1,1]},
            "strides":[8],"reg_max":2,"classes":["a","b"],"roles":{"a":"animal"},"score_threshold":0.5}"#,
        );
        // 2×2 grid; only cell 3 (col 1, row 1; centre 12, 12) scores.
        let cls = [0.1, 0.0, 0.0, 0.2, 0.0, 0.0, 0.3, 0.8];
        // Cell 3: left bins one-hot-ish at 1, top uniform (mean 1), right at 2, bottom at 0.
        let big = 30.0;
        let mut reg = vec![0.0f32; 4 * 4 * 3];
        reg[36..48].copy_from_slice(&[0.0, big, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, big, big, 0.0, 0.0]);
        let got = decode(
            &s,
            &[
                OutputView {
                    shape: &[1, 4, 2],
                    data: &cls,
                },
                OutputView {
                    shape: &[1, 4, 12],
                    data: &reg,
                },
            ],
        )
        .unwrap();
        assert_eq!(got.len(), 1);
        let b = got[0].bbox;
        assert_eq!((got[0].class_id, got[0].score), (1, 0.8));
        let close = |a: f32, b: f32| (a - b).abs() < 1e-3;
        assert!(close(b.x, 12.0 - 8.0) && close(b.y, 12.0 - 8.0), "{b:?}");
        assert!(close(b.x2(), 12.0 + 16.0) && close(b.y2(), 12.0), "{b:?}");
    }
}
