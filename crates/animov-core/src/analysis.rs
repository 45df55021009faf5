//! From a detector's boxes to one frame's counts: role of each class, region
//! of interest, minimum size and score, posture, tracking.
//!
//! Counting rule: every kept animal box is `standing`, `lying` or `unknown`;
//! a frame's counts are the standing and lying boxes. `unknown` boxes (a
//! detector class marked `animal` while the camera's posture classifier cannot
//! decide — it always decides today, so this is 0 unless a model says so) are
//! reported apart and enter neither the total nor the standing ratio.

use crate::{
    geometry::{BBox, point_in_polygon},
    posture::{Posture, PostureModel},
    tracker::{LyingBout, TrackInput, Tracker, TrackerConfig},
};

/// What a detector class means for us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// An animal, posture to be decided from the box.
    Animal,
    /// An animal standing (models trained on postures).
    Standing,
    /// An animal lying.
    Lying,
    /// Not counted.
    Ignore,
}

impl Role {
    /// `animal`, `standing`, `lying` or `ignore`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Animal => "animal",
            Role::Standing => "standing",
            Role::Lying => "lying",
            Role::Ignore => "ignore",
        }
    }

    /// Parses [`Role::as_str`].
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "animal" => Some(Role::Animal),
            "standing" => Some(Role::Standing),
            "lying" => Some(Role::Lying),
            "ignore" => Some(Role::Ignore),
            _ => None,
        }
    }
}

/// Weak boxes (continuing a track) go down to this share of `min_score`.
pub const WEAK_FACTOR: f32 = 0.5;

/// One box from the detector, in pixels of the analysed frame.
#[derive(Debug, Clone, PartialEq)]
pub struct RawDetection {
    /// Where.
    pub bbox: BBox,
    /// Class index of the model.
    pub class_id: usize,
    /// Class name of the model.
    pub class: String,
    /// What the class means.
    pub role: Role,
    /// Confidence.
    pub score: f32,
}

/// A counted box.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysedBox {
    /// The detector's box.
    pub det: RawDetection,
    /// Posture after smoothing by the track (or of the box alone when untracked).
    pub posture: Posture,
    /// Track id, when tracked.
    pub track_id: Option<u64>,
}

/// Counts of one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Standing animals.
    pub standing: u32,
    /// Lying animals.
    pub lying: u32,
    /// Animals of undecided posture (not in the other two).
    pub unknown: u32,
}

/// One analysed frame.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FrameAnalysis {
    /// Kept boxes.
    pub boxes: Vec<AnalysedBox>,
    /// Counts of the kept boxes.
    pub counts: Counts,
    /// Lying bouts that ended with this frame.
    pub finished_bouts: Vec<LyingBout>,
}

/// Per-camera filters applied to the detector's boxes.
#[derive(Debug, Clone, PartialEq)]
pub struct CameraFilter {
    /// Boxes below this score are dropped (calibrate against the herd size).
    pub min_score: f32,
    /// Boxes smaller than this, in pixels of width and height, are dropped.
    pub min_box: f32,
    /// Region of interest (pixels); a box counts when its bottom centre is inside. Empty: whole frame.
    pub roi: Vec<(f32, f32)>,
}

impl Default for CameraFilter {
    fn default() -> Self {
        CameraFilter {
            min_score: 0.35,
            min_box: 8.0,
            roi: Vec::new(),
        }
    }
}

impl CameraFilter {
    /// Whether the box is kept.
    pub fn keeps(&self, d: &RawDetection) -> bool {
        if d.role == Role::Ignore || d.score < self.min_score {
            return false;
        }
        if d.bbox.w < self.min_box || d.bbox.h < self.min_box {
            return false;
        }
        self.roi.is_empty() || point_in_polygon(d.bbox.x + d.bbox.w / 2.0, d.bbox.y2(), &self.roi)
    }
}

/// A proposed box with what a camera's settings make of it.
#[derive(Debug, Clone, PartialEq)]
pub struct PreviewBox {
    /// The detector's box.
    pub det: RawDetection,
    /// Its posture (the model's class, or the camera's posture rule).
    pub posture: Posture,
    /// Whether the camera's filter counts it.
    pub counted: bool,
}

/// Every box of one still picture (classes the camera ignores left out) with
/// its posture and whether `filter` counts it, and the counts: what the
/// camera sees on that picture alone, without tracking. Setting a camera up
/// shows this on its picture.
pub fn preview(
    filter: &CameraFilter,
    posture: &PostureModel,
    frame_h: f32,
    dets: &[RawDetection],
) -> (Vec<PreviewBox>, Counts) {
    let mut counts = Counts::default();
    let boxes = dets
        .iter()
        .filter(|d| d.role != Role::Ignore)
        .map(|d| {
            let p = match d.role {
                Role::Standing => Posture::Standing,
                Role::Lying => Posture::Lying,
                _ => posture.classify(&d.bbox, frame_h),
            };
            let counted = filter.keeps(d);
            if counted {
                match p {
                    Posture::Standing => counts.standing += 1,
                    Posture::Lying => counts.lying += 1,
                    Posture::Unknown => counts.unknown += 1,
                }
            }
            PreviewBox {
                det: d.clone(),
                posture: p,
                counted,
            }
        })
        .collect();
    (boxes, counts)
}

/// A score threshold at which a frame's candidate boxes number the herd.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThresholdSuggestion {
    /// The suggested `min_score`.
    pub min_score: f32,
    /// Boxes at or above it in the frame.
    pub counted: usize,
}

/// The `min_score` at which exactly `herd_size` of the frame's candidate
/// scores count — to calibrate a camera when the whole herd is in view (at
/// night, lying). Halfway between the herd-th and the next score; all
/// candidates (and fewer than the herd) when there are not enough. Kept within
/// \[0.05, 0.95\]. `None` without candidates or herd.
pub fn threshold_for_herd(scores: &[f32], herd_size: usize) -> Option<ThresholdSuggestion> {
    if herd_size == 0 || scores.is_empty() {
        return None;
    }
    let mut s: Vec<f32> = scores.iter().copied().filter(|v| v.is_finite()).collect();
    s.sort_by(|a, b| b.total_cmp(a));
    let min_score = if s.len() > herd_size {
        (s[herd_size - 1] + s[herd_size]) / 2.0
    } else {
        s[s.len() - 1]
    }
    .clamp(0.05, 0.95);
    Some(ThresholdSuggestion {
        min_score,
        counted: s.iter().filter(|v| **v >= min_score).count(),
    })
}

/// A camera's analysis state: filters, posture classifier and tracks.
#[derive(Debug, Clone)]
pub struct CameraAnalyser {
    /// Filters.
    pub filter: CameraFilter,
    /// Posture classifier for `animal` boxes.
    pub posture: PostureModel,
    tracker: Tracker,
}

impl CameraAnalyser {
    /// A fresh analyser; track ids start at `first_track_id`.
    pub fn new(
        filter: CameraFilter,
        posture: PostureModel,
        tracker: TrackerConfig,
        first_track_id: u64,
    ) -> Self {
        CameraAnalyser {
            filter,
            posture,
            tracker: Tracker::new(tracker, first_track_id),
        }
    }

    /// The tracker (running bouts, next id).
    pub fn tracker(&self) -> &Tracker {
        &self.tracker
    }

    /// Analyses one frame of height `frame_h` taken at `ts_ms`.
    ///
    /// Boxes at or above the camera's `min_score` count; weaker boxes (down to
    /// half of it) count only when they continue an existing track — an animal
    /// half hidden behind a feeder or another goat (ByteTrack's second round).
    pub fn analyse(&mut self, ts_ms: i64, frame_h: f32, dets: Vec<RawDetection>) -> FrameAnalysis {
        let weak = self.filter.min_score * WEAK_FACTOR;
        let relaxed = CameraFilter {
            min_score: weak,
            ..self.filter.clone()
        };
        let kept: Vec<RawDetection> = dets.into_iter().filter(|d| relaxed.keeps(d)).collect();
        let inputs: Vec<TrackInput> = kept
            .iter()
            .map(|d| TrackInput {
                bbox: d.bbox,
                score: d.score,
                posture: match d.role {
                    Role::Standing => Posture::Standing,
                    Role::Lying => Posture::Lying,
                    _ => self.posture.classify(&d.bbox, frame_h),
                },
            })
            .collect();
        self.tracker.set_thresholds(self.filter.min_score, weak);
        let update = self.tracker.update(ts_ms, &inputs);
        let mut counts = Counts::default();
        let boxes = kept
            .into_iter()
            .zip(inputs.iter())
            .zip(update.assigned)
            .filter_map(|((det, input), assigned)| {
                let (track_id, posture) = match assigned {
                    Some((id, p)) => (Some(id), p),
                    // A weak box that continues no track is not counted.
                    None if det.score < self.filter.min_score => return None,
                    None => (None, input.posture),
                };
                match posture {
                    Posture::Standing => counts.standing += 1,
                    Posture::Lying => counts.lying += 1,
                    Posture::Unknown => counts.unknown += 1,
                }
                Some(AnalysedBox {
                    det,
                    posture,
                    track_id,
                })
            })
            .collect();
        FrameAnalysis {
            boxes,
            counts,
            finished_bouts: update.finished_bouts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn det(x: f32, y: f32, w: f32, h: f32, role: Role, score: f32) -> RawDetection {
        RawDetection {
            bbox: BBox { x, y, w, h },
            class_id: 0,
            class: "sheep".into(),
            role,
            score,
        }
    }

    #[test]
    fn counts_postures_and_applies_filters() {
        let filter = CameraFilter {
            min_score: 0.3,
            min_box: 10.0,
            roi: vec![(0.0, 0.0), (500.0, 0.0), (500.0, 500.0), (0.0, 500.0)],
        };
        let mut a =
            CameraAnalyser::new(filter, PostureModel::default(), TrackerConfig::default(), 1);
        let r = a.analyse(
            0,
            720.0,
            vec![
                det(10.0, 10.0, 100.0, 90.0, Role::Animal, 0.9), // standing by shape
                det(200.0, 10.0, 100.0, 40.0, Role::Animal, 0.8), // lying by shape
                det(300.0, 300.0, 50.0, 50.0, Role::Lying, 0.7), // the model says lying
                det(10.0, 10.0, 100.0, 90.0, Role::Ignore, 0.9), // a person
                det(10.0, 200.0, 5.0, 5.0, Role::Animal, 0.9),   // too small
                det(10.0, 300.0, 50.0, 50.0, Role::Animal, 0.2), // too weak
                det(600.0, 10.0, 100.0, 90.0, Role::Animal, 0.9), // outside the pen
            ],
        );
        assert_eq!(
            r.counts,
            Counts {
                standing: 1,
                lying: 2,
                unknown: 0
            }
        );
        assert_eq!(r.boxes.len(), 3);
        assert!(r.boxes.iter().all(|b| b.track_id.is_some()));
    }

    #[test]
    fn a_weak_box_counts_only_when_it_continues_a_track() {
        let mut a = CameraAnalyser::new(
            CameraFilter::default(),
            PostureModel::default(),
            TrackerConfig::default(),
            1,
        );
        let r = a.analyse(
            0,
            720.0,
            vec![det(100.0, 100.0, 80.0, 70.0, Role::Animal, 0.9)],
        );
        assert_eq!(r.counts.standing, 1);
        // Half hidden: score 0.25 (< min_score 0.35, ≥ 0.175), same place.
        let r = a.analyse(
            500,
            720.0,
            vec![det(102.0, 100.0, 80.0, 70.0, Role::Animal, 0.25)],
        );
        assert_eq!(r.counts.standing, 1);
        assert_eq!(r.boxes[0].track_id, Some(1));
        // The same weak box elsewhere starts nothing and is not counted.
        let r = a.analyse(
            1_000,
            720.0,
            vec![det(600.0, 400.0, 80.0, 70.0, Role::Animal, 0.25)],
        );
        assert_eq!(r.counts, Counts::default());
    }

    #[test]
    fn threshold_matches_the_herd_when_enough_boxes_are_seen() {
        let scores = [0.9, 0.2, 0.6, 0.45, 0.3, 0.8];
        let t = threshold_for_herd(&scores, 4).unwrap();
        assert!((t.min_score - 0.375).abs() < 1e-6, "{t:?}");
        assert_eq!(t.counted, 4);
        // Fewer candidates than goats: count them all, and say so.
        let t = threshold_for_herd(&scores, 10).unwrap();
        assert_eq!((t.min_score, t.counted), (0.2, 6));
        assert_eq!(threshold_for_herd(&[], 3), None);
        assert_eq!(threshold_for_herd(&scores, 0), None);
        assert_eq!(
            threshold_for_herd(&[0.99, 0.98], 1).unwrap().min_score,
            0.95
        );
    }

    #[test]
    fn roles_round_trip() {
        for r in [Role::Animal, Role::Standing, Role::Lying, Role::Ignore] {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("goat"), None);
    }

    #[test]
    fn preview_marks_what_the_filter_counts_and_counts_it() {
        let d = |x: f32, w: f32, h: f32, score: f32, role: Role| RawDetection {
            bbox: BBox { x, y: 10.0, w, h },
            class_id: 0,
            class: "goat".into(),
            role,
            score,
        };
        let dets = vec![
            d(0.0, 40.0, 60.0, 0.9, Role::Animal),   // tall: standing
            d(100.0, 80.0, 30.0, 0.8, Role::Animal), // flat: lying
            d(200.0, 40.0, 60.0, 0.2, Role::Animal), // weak
            d(300.0, 4.0, 4.0, 0.9, Role::Animal),   // tiny
            d(400.0, 40.0, 60.0, 0.9, Role::Ignore), // a person
            d(500.0, 40.0, 20.0, 0.9, Role::Standing),
        ];
        let filter = CameraFilter::default();
        let (boxes, counts) = preview(&filter, &PostureModel::default(), 480.0, &dets);
        assert_eq!(boxes.len(), 5, "ignored classes are left out");
        let counted: Vec<bool> = boxes.iter().map(|b| b.counted).collect();
        assert_eq!(counted, [true, true, false, false, true]);
        assert_eq!(boxes[1].posture, Posture::Lying);
        assert_eq!(
            boxes[4].posture,
            Posture::Standing,
            "the model's class wins"
        );
        assert_eq!((counts.standing, counts.lying, counts.unknown), (2, 1, 0));
        let low = CameraFilter {
            min_score: 0.1,
            ..filter
        };
        assert_eq!(
            preview(&low, &PostureModel::default(), 480.0, &dets)
                .1
                .standing,
            3
        );
    }
}
