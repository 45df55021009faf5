//! Validation of incoming frames: decisions only, no I/O.

use animov_api::{IngestFrame, IngestRequest};

use crate::FrameCount;

/// Frames before this instant (2000-01-01T00:00:00Z) are refused as clock errors.
pub const MIN_TS_MS: i64 = 946_684_800_000;
/// Most frames accepted in one batch.
pub const MAX_FRAMES: usize = 10_000;
/// Most detections accepted on one frame.
pub const MAX_DETECTIONS: usize = 1_000;
/// Most goats one frame may count (a larger number is a detector fault).
pub const MAX_COUNT: u32 = 10_000;

pub use animov_api::FieldError;

fn bad(field: impl Into<String>, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.into(),
        message: message.into(),
    }
}

/// Checks a source name: 1–64 characters from `A-Z a-z 0-9 _ . -`, the first
/// a letter or a digit (so no name is `.`, `..` or a hidden file: names
/// become folder names under the data folder).
pub fn validate_source(source: &str) -> Result<(), FieldError> {
    let ok = !source.is_empty()
        && source.len() <= 64
        && source.as_bytes()[0].is_ascii_alphanumeric()
        && source
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(bad(
            "source",
            "source must be 1 to 64 characters among letters, digits, '_', '.' and '-', starting with a letter or a digit",
        ))
    }
}

/// `parent/source` when `source` is a valid name that stays one folder
/// inside `parent` (a source stored before names were checked may not be).
pub fn source_dir(parent: &std::path::Path, source: &str) -> Option<std::path::PathBuf> {
    use std::path::Component;
    let mut parts = std::path::Path::new(source).components();
    let single = matches!(
        (parts.next(), parts.next()),
        (Some(Component::Normal(_)), None)
    );
    (single && validate_source(source).is_ok()).then(|| parent.join(source))
}

/// Checks one frame; `i` is its index in the batch.
pub fn validate_frame(
    i: usize,
    f: &IngestFrame,
    now_ms: i64,
    max_future_ms: i64,
) -> Result<(), FieldError> {
    let at = |name: &str| format!("frames[{i}].{name}");
    if f.ts_ms < MIN_TS_MS {
        return Err(bad(
            at("ts_ms"),
            "timestamp is before 2000-01-01: send UTC milliseconds since 1970",
        ));
    }
    if f.ts_ms > now_ms + max_future_ms {
        return Err(bad(
            at("ts_ms"),
            format!(
                "timestamp is {} s in the future: check the sender's clock (UTC milliseconds)",
                (f.ts_ms - now_ms) / 1000
            ),
        ));
    }
    if f.lying > MAX_COUNT {
        return Err(bad(
            at("lying"),
            format!("at most {MAX_COUNT} goats per frame"),
        ));
    }
    if f.standing > MAX_COUNT {
        return Err(bad(
            at("standing"),
            format!("at most {MAX_COUNT} goats per frame"),
        ));
    }
    if let Some(dets) = &f.detections {
        if dets.len() > MAX_DETECTIONS {
            return Err(bad(
                at("detections"),
                format!("at most {MAX_DETECTIONS} detections per frame"),
            ));
        }
        for (j, d) in dets.iter().enumerate() {
            let dat = |name: &str| format!("frames[{i}].detections[{j}].{name}");
            if d.class.is_empty() || d.class.len() > 32 {
                return Err(bad(dat("class"), "class must be 1 to 32 characters"));
            }
            if !(0.0..=1.0).contains(&d.score) {
                return Err(bad(dat("score"), "score must be between 0 and 1"));
            }
            for (name, v) in [("x", d.x), ("y", d.y), ("w", d.w), ("h", d.h)] {
                if !v.is_finite() {
                    return Err(bad(dat(name), "must be a finite number"));
                }
            }
            if d.w < 0.0 || d.h < 0.0 {
                return Err(bad(
                    dat(if d.w < 0.0 { "w" } else { "h" }),
                    "box size must not be negative",
                ));
            }
        }
    }
    Ok(())
}

/// Checks a whole batch; the first problem found is returned.
pub fn validate_request(
    req: &IngestRequest,
    now_ms: i64,
    max_future_ms: i64,
) -> Result<(), FieldError> {
    validate_source(&req.source)?;
    if req.frames.is_empty() {
        return Err(bad("frames", "send at least one frame"));
    }
    if req.frames.len() > MAX_FRAMES {
        return Err(bad(
            "frames",
            format!("at most {MAX_FRAMES} frames per request: split the batch"),
        ));
    }
    for (i, f) in req.frames.iter().enumerate() {
        validate_frame(i, f, now_ms, max_future_ms)?;
    }
    Ok(())
}

impl From<&IngestFrame> for FrameCount {
    fn from(f: &IngestFrame) -> Self {
        FrameCount {
            ts_ms: f.ts_ms,
            lying: f.lying,
            standing: f.standing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_names_cannot_be_paths() {
        for bad in [
            "",
            ".",
            "..",
            ".hidden",
            "-x",
            "a/b",
            "../x",
            "a b",
            &"a".repeat(65),
        ] {
            assert!(validate_source(bad).is_err(), "{bad:?}");
            assert_eq!(
                source_dir(std::path::Path::new("/data/rec"), bad),
                None,
                "{bad:?}"
            );
        }
        for good in ["cam-1", "Pen_2.east", "7"] {
            assert!(validate_source(good).is_ok(), "{good:?}");
            assert_eq!(
                source_dir(std::path::Path::new("/data/rec"), good),
                Some(std::path::PathBuf::from(format!("/data/rec/{good}")))
            );
        }
    }
    use animov_api::Detection;

    const NOW: i64 = 1_732_867_200_000;

    fn frame(ts_ms: i64) -> IngestFrame {
        IngestFrame {
            ts_ms,
            lying: 3,
            standing: 4,
            detections: None,
        }
    }

    fn req(frames: Vec<IngestFrame>) -> IngestRequest {
        IngestRequest {
            source: "cam-1".into(),
            frames,
        }
    }

    #[test]
    fn accepts_a_normal_batch() {
        assert_eq!(
            validate_request(&req(vec![frame(NOW), frame(NOW - 1000)]), NOW, 300_000),
            Ok(())
        );
    }

    #[test]
    fn refuses_far_future_and_ancient_timestamps() {
        let e = validate_request(&req(vec![frame(NOW), frame(NOW + 3_600_000)]), NOW, 300_000)
            .unwrap_err();
        assert_eq!(e.field, "frames[1].ts_ms");
        assert!(e.message.contains("future"));
        let e = validate_request(&req(vec![frame(1_000)]), NOW, 300_000).unwrap_err();
        assert_eq!(e.field, "frames[0].ts_ms");
    }

    #[test]
    fn refuses_bad_sources_and_empty_batches() {
        for s in ["", "a b", "é", &"x".repeat(65)] {
            let r = IngestRequest {
                source: s.into(),
                frames: vec![frame(NOW)],
            };
            assert_eq!(validate_request(&r, NOW, 0).unwrap_err().field, "source");
        }
        assert_eq!(
            validate_request(&req(vec![]), NOW, 0).unwrap_err().field,
            "frames"
        );
    }

    #[test]
    fn refuses_bad_detections() {
        let mut f = frame(NOW);
        f.detections = Some(vec![Detection {
            class: "lying".into(),
            score: 1.5,
            x: 0.0,
            y: 0.0,
            w: 1.0,
            h: 1.0,
            track_id: None,
        }]);
        let e = validate_request(&req(vec![f.clone()]), NOW, 0).unwrap_err();
        assert_eq!(e.field, "frames[0].detections[0].score");
        f.detections.as_mut().unwrap()[0].score = 0.5;
        f.detections.as_mut().unwrap()[0].h = -2.0;
        assert_eq!(
            validate_request(&req(vec![f]), NOW, 0).unwrap_err().field,
            "frames[0].detections[0].h"
        );
    }
}
