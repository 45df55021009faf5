//! Multi-animal tracking by overlap and motion (ByteTrack-like), and lying bouts.
//!
//! Each frame, the boxes are matched to the tracks' predicted positions
//! (constant velocity) in two rounds, as ByteTrack does: first the confident
//! boxes (`score ≥ high`), then the weak ones (`low ≤ score < high`) against
//! the tracks still unmatched, so an animal half hidden behind a feeder keeps
//! its track instead of being reborn. Only confident unmatched boxes start new
//! tracks; a track not seen for `max_missed_ms` ends.
//!
//! A track's posture changes only after `posture_frames` consecutive frames
//! agree (so one badly shaped box does not cut a bout in two); a **lying bout**
//! runs from the first of those frames to the first frame of the next
//! standing run, or to the last sighting when the track ends.

use std::collections::VecDeque;

use crate::{geometry::BBox, posture::Posture};

/// Tracker settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrackerConfig {
    /// Boxes at or above this score are matched first and may start tracks.
    pub high: f32,
    /// Boxes below this score are ignored.
    pub low: f32,
    /// Minimum overlap between a box and a track's predicted box.
    pub match_iou: f32,
    /// A track unseen for longer ends.
    pub max_missed_ms: i64,
    /// Consecutive agreeing frames needed to change a track's posture.
    pub posture_frames: usize,
}

impl Default for TrackerConfig {
    fn default() -> Self {
        TrackerConfig {
            high: 0.45,
            low: 0.15,
            match_iou: 0.25,
            max_missed_ms: 10_000,
            posture_frames: 3,
        }
    }
}

/// One box handed to the tracker.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrackInput {
    /// Where.
    pub bbox: BBox,
    /// Detector confidence.
    pub score: f32,
    /// Posture of the box in this frame alone.
    pub posture: Posture,
}

/// A finished or running lying bout of one track.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LyingBout {
    /// Track id.
    pub track_id: u64,
    /// First frame of the lying run, UTC ms.
    pub start_ms: i64,
    /// End, UTC ms (for a running bout: the last frame seen).
    pub end_ms: i64,
}

/// What one frame did to the tracks.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TrackUpdate {
    /// Per input box, in order: its track id and the track's smoothed posture
    /// (`None` for boxes below `low` or weak boxes that matched nothing).
    pub assigned: Vec<Option<(u64, Posture)>>,
    /// Bouts that ended in this frame.
    pub finished_bouts: Vec<LyingBout>,
}

#[derive(Debug, Clone)]
struct Track {
    id: u64,
    bbox: BBox,
    /// Velocity of (x, y, w, h) in pixels per ms.
    vel: [f32; 4],
    last_ms: i64,
    posture: Posture,
    /// Recent raw postures with their times, newest last.
    recent: VecDeque<(i64, Posture)>,
    bout_start: Option<i64>,
}

impl Track {
    fn predicted(&self, ts_ms: i64) -> BBox {
        let dt = (ts_ms - self.last_ms) as f32;
        BBox {
            x: self.bbox.x + self.vel[0] * dt,
            y: self.bbox.y + self.vel[1] * dt,
            w: (self.bbox.w + self.vel[2] * dt).max(1.0),
            h: (self.bbox.h + self.vel[3] * dt).max(1.0),
        }
    }

    fn observe(&mut self, ts_ms: i64, b: BBox, raw: Posture, n: usize) -> Option<LyingBout> {
        let dt = (ts_ms - self.last_ms).max(1) as f32;
        let d = [
            b.x - self.bbox.x,
            b.y - self.bbox.y,
            b.w - self.bbox.w,
            b.h - self.bbox.h,
        ];
        for (v, d) in self.vel.iter_mut().zip(d) {
            *v = 0.5 * *v + 0.5 * d / dt;
        }
        self.bbox = b;
        self.last_ms = ts_ms;
        self.recent.push_back((ts_ms, raw));
        while self.recent.len() > n.max(1) {
            self.recent.pop_front();
        }
        if raw == Posture::Unknown || raw == self.posture || self.recent.len() < n.max(1) {
            return None;
        }
        if !self.recent.iter().all(|(_, p)| *p == raw) {
            return None;
        }
        let run_start = self.recent.front().map_or(ts_ms, |(t, _)| *t);
        let previous = self.posture;
        self.posture = raw;
        match (previous, raw) {
            (_, Posture::Lying) => {
                self.bout_start = Some(run_start);
                None
            }
            (Posture::Lying, _) => self.bout_start.take().map(|start| LyingBout {
                track_id: self.id,
                start_ms: start,
                end_ms: run_start,
            }),
            _ => None,
        }
    }
}

/// The tracks of one camera.
#[derive(Debug, Clone)]
pub struct Tracker {
    config: TrackerConfig,
    tracks: Vec<Track>,
    next_id: u64,
}

impl Tracker {
    /// An empty tracker; ids start at `first_id` (persist the next id across restarts).
    pub fn new(config: TrackerConfig, first_id: u64) -> Tracker {
        Tracker {
            config,
            tracks: Vec::new(),
            next_id: first_id.max(1),
        }
    }

    /// Changes the confident and weak score thresholds.
    pub fn set_thresholds(&mut self, high: f32, low: f32) {
        self.config.high = high;
        self.config.low = low.min(high);
    }

    /// Tracks alive now.
    pub fn len(&self) -> usize {
        self.tracks.len()
    }

    /// No track alive.
    pub fn is_empty(&self) -> bool {
        self.tracks.is_empty()
    }

    /// The id the next new track will get.
    pub fn next_id(&self) -> u64 {
        self.next_id
    }

    /// Lying bouts still running, ending at each track's last sighting.
    pub fn running_bouts(&self) -> Vec<LyingBout> {
        self.tracks
            .iter()
            .filter_map(|t| {
                t.bout_start.map(|start| LyingBout {
                    track_id: t.id,
                    start_ms: start,
                    end_ms: t.last_ms,
                })
            })
            .collect()
    }

    /// Feeds one frame's boxes (frames in time order).
    pub fn update(&mut self, ts_ms: i64, boxes: &[TrackInput]) -> TrackUpdate {
        let cfg = self.config;
        let mut out = TrackUpdate {
            assigned: vec![None; boxes.len()],
            finished_bouts: Vec::new(),
        };
        let predicted: Vec<BBox> = self.tracks.iter().map(|t| t.predicted(ts_ms)).collect();
        let mut track_used = vec![false; self.tracks.len()];
        let high: Vec<usize> = (0..boxes.len())
            .filter(|&i| boxes[i].score >= cfg.high)
            .collect();
        let low: Vec<usize> = (0..boxes.len())
            .filter(|&i| boxes[i].score >= cfg.low && boxes[i].score < cfg.high)
            .collect();
        let mut matched_box = vec![false; boxes.len()];
        for round in [&high, &low] {
            // Greedy matching by decreasing overlap.
            let mut pairs: Vec<(f32, usize, usize)> = Vec::new();
            for &bi in round.iter() {
                for (ti, p) in predicted.iter().enumerate() {
                    if track_used[ti] {
                        continue;
                    }
                    let iou = p.iou(&boxes[bi].bbox);
                    if iou >= cfg.match_iou {
                        pairs.push((iou, bi, ti));
                    }
                }
            }
            pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
            for (_, bi, ti) in pairs {
                if matched_box[bi] || track_used[ti] {
                    continue;
                }
                matched_box[bi] = true;
                track_used[ti] = true;
                let t = &mut self.tracks[ti];
                if let Some(b) =
                    t.observe(ts_ms, boxes[bi].bbox, boxes[bi].posture, cfg.posture_frames)
                {
                    out.finished_bouts.push(b);
                }
                out.assigned[bi] = Some((t.id, t.posture));
            }
        }
        // End tracks unseen for too long.
        let mut i = 0;
        while i < self.tracks.len() {
            let t = &self.tracks[i];
            if !track_used[i] && ts_ms - t.last_ms > cfg.max_missed_ms {
                if let Some(start) = t.bout_start {
                    out.finished_bouts.push(LyingBout {
                        track_id: t.id,
                        start_ms: start,
                        end_ms: t.last_ms,
                    });
                }
                self.tracks.remove(i);
                track_used.remove(i);
            } else {
                i += 1;
            }
        }
        // New tracks from confident unmatched boxes.
        for &bi in &high {
            if matched_box[bi] {
                continue;
            }
            let b = boxes[bi];
            let id = self.next_id;
            self.next_id += 1;
            let mut recent = VecDeque::new();
            recent.push_back((ts_ms, b.posture));
            // A new track takes its first box's posture at once.
            let bout_start = (b.posture == Posture::Lying).then_some(ts_ms);
            self.tracks.push(Track {
                id,
                bbox: b.bbox,
                vel: [0.0; 4],
                last_ms: ts_ms,
                posture: b.posture,
                recent,
                bout_start,
            });
            out.assigned[bi] = Some((id, b.posture));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(x: f32, score: f32, posture: Posture) -> TrackInput {
        TrackInput {
            bbox: BBox {
                x,
                y: 100.0,
                w: 80.0,
                h: 60.0,
            },
            score,
            posture,
        }
    }

    #[test]
    fn a_walking_animal_keeps_its_id_and_two_animals_get_two() {
        let mut t = Tracker::new(TrackerConfig::default(), 1);
        let mut ids = Vec::new();
        for k in 0..20 {
            let x = 10.0 + 12.0 * k as f32; // walks right
            let u = t.update(
                k * 500,
                &[
                    input(x, 0.9, Posture::Standing),
                    input(600.0, 0.8, Posture::Lying),
                ],
            );
            ids.push((u.assigned[0].unwrap().0, u.assigned[1].unwrap().0));
        }
        assert!(ids.iter().all(|&(a, b)| a == ids[0].0 && b == ids[0].1));
        assert_ne!(ids[0].0, ids[0].1);
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn a_half_hidden_animal_keeps_its_track_through_weak_boxes() {
        let mut t = Tracker::new(TrackerConfig::default(), 7);
        let first = t
            .update(0, &[input(100.0, 0.9, Posture::Standing)])
            .assigned[0]
            .unwrap()
            .0;
        assert_eq!(first, 7);
        let weak = t.update(500, &[input(102.0, 0.2, Posture::Standing)]);
        assert_eq!(weak.assigned[0].unwrap().0, first);
        // A weak box that matches nothing starts no track.
        let stray = t.update(1_000, &[input(900.0, 0.2, Posture::Standing)]);
        assert_eq!(stray.assigned[0], None);
        assert_eq!(t.len(), 1);
    }

    #[test]
    fn lying_bouts_start_after_agreeing_frames_and_survive_one_bad_box() {
        let mut t = Tracker::new(TrackerConfig::default(), 1);
        let seq = [
            Posture::Standing,
            Posture::Standing,
            Posture::Lying, // t = 1000: first of the run
            Posture::Lying,
            Posture::Lying,    // confirmed here
            Posture::Standing, // one odd box
            Posture::Lying,
            Posture::Lying,
            Posture::Standing, // t = 4000: first of the standing run
            Posture::Standing,
            Posture::Standing, // confirmed: bout ends at 4000
        ];
        let mut finished = Vec::new();
        for (k, p) in seq.iter().enumerate() {
            let u = t.update(k as i64 * 500, &[input(100.0, 0.9, *p)]);
            finished.extend(u.finished_bouts);
            if k == 4 {
                assert_eq!(
                    t.running_bouts(),
                    vec![LyingBout {
                        track_id: 1,
                        start_ms: 1000,
                        end_ms: 2000
                    }]
                );
            }
        }
        assert_eq!(
            finished,
            vec![LyingBout {
                track_id: 1,
                start_ms: 1000,
                end_ms: 4000
            }]
        );
        assert!(t.running_bouts().is_empty());
    }

    #[test]
    fn a_lost_track_ends_its_bout_at_its_last_sighting() {
        let mut t = Tracker::new(TrackerConfig::default(), 1);
        t.update(0, &[input(100.0, 0.9, Posture::Lying)]);
        t.update(1_000, &[input(100.0, 0.9, Posture::Lying)]);
        let u = t.update(20_000, &[]);
        assert_eq!(
            u.finished_bouts,
            vec![LyingBout {
                track_id: 1,
                start_ms: 0,
                end_ms: 1_000
            }]
        );
        assert!(t.is_empty());
        assert_eq!(t.next_id(), 2);
    }
}
