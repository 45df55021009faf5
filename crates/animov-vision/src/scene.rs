//! `demo:` cameras: a procedurally drawn barn pen whose goats stand up, walk
//! and lie down with the same daily rhythm as the backbone's demo feed
//! ([`animov_core::demo::DemoHerd`]), so a fresh machine shows something
//! real-looking with no camera.
//!
//! The drawn goats are simple shapes, which a COCO detector does not take for
//! animals; a demo camera therefore uses the scene's own boxes as its
//! detector ([`SceneDetector`], the default for `demo:` cameras). Everything
//! after detection (posture, tracking, counts, statistics, recording,
//! snapshots, live view) is the real pipeline.

use animov_core::{
    analysis::{RawDetection, Role},
    demo::{DemoHerd, DemoSettings, Rng},
    geometry::BBox,
};

use crate::{
    detector::{Detect, DetectError},
    frame::RgbFrame,
};

/// Width of demo frames.
pub const WIDTH: u32 = 640;
/// Height of demo frames.
pub const HEIGHT: u32 = 360;

/// The pen's floor, where goats may stand (pixels): x from, x to, y from, y to.
const PEN: (f32, f32, f32, f32) = (30.0, 610.0, 120.0, 345.0);

#[derive(Debug, Clone, Copy)]
struct Goat {
    x: f32,
    y: f32,
    tx: f32,
    ty: f32,
    /// Size factor (kids are smaller).
    size: f32,
    /// Coat colour.
    coat: [u8; 3],
    facing_right: bool,
}

/// One rendered demo frame.
#[derive(Debug, Clone)]
pub struct SceneFrame {
    /// The picture.
    pub frame: RgbFrame,
    /// Where the goats are, with their true posture (role `standing`/`lying`).
    pub truth: Vec<RawDetection>,
}

/// A simulated pen seen by a fixed camera.
#[derive(Debug, Clone)]
pub struct DemoScene {
    herd: DemoHerd,
    goats: Vec<Goat>,
    background: Vec<u8>,
    rng: Rng,
    last_ms: i64,
}

fn goat_size(size: f32, standing: bool) -> (f32, f32) {
    if standing {
        (64.0 * size, 58.0 * size)
    } else {
        (62.0 * size, 28.0 * size)
    }
}

impl DemoScene {
    /// The pen of demo camera with `settings`, as it is at `start_ms`.
    pub fn new(settings: DemoSettings, start_ms: i64) -> DemoScene {
        let mut rng = Rng::new(settings.seed ^ 0x5CE7E);
        let herd = DemoHerd::new(settings, start_ms);
        let coats = [
            [235, 230, 220],
            [120, 80, 50],
            [60, 50, 45],
            [200, 160, 110],
            [250, 248, 240],
        ];
        let goats = (0..settings.herd_size)
            .map(|_| {
                let x = PEN.0 + 40.0 + rng.unit() as f32 * (PEN.1 - PEN.0 - 80.0);
                let y = PEN.2 + 40.0 + rng.unit() as f32 * (PEN.3 - PEN.2 - 50.0);
                Goat {
                    x,
                    y,
                    tx: x,
                    ty: y,
                    size: 0.75 + 0.4 * rng.unit() as f32,
                    coat: coats[(rng.next_u64() % coats.len() as u64) as usize],
                    facing_right: rng.chance(0.5),
                }
            })
            .collect();
        DemoScene {
            herd,
            goats,
            background: background(settings.seed),
            rng,
            last_ms: start_ms,
        }
    }

    /// Goats in the pen.
    pub fn herd_size(&self) -> usize {
        self.goats.len()
    }

    /// Moves the scene on to `ts_ms` and draws it.
    pub fn render(&mut self, ts_ms: i64) -> SceneFrame {
        let dt = ((ts_ms - self.last_ms).max(0) as f32 / 1000.0).min(60.0);
        self.last_ms = self.last_ms.max(ts_ms);
        self.herd.frame_at(ts_ms);
        let standing: Vec<bool> = self.herd.standing().to_vec();
        // Standing goats wander towards targets; lying ones stay put.
        for (g, &up) in self.goats.iter_mut().zip(&standing) {
            if !up {
                g.tx = g.x;
                g.ty = g.y;
                continue;
            }
            let (dx, dy) = (g.tx - g.x, g.ty - g.y);
            let d = (dx * dx + dy * dy).sqrt();
            if d < 4.0 {
                if self.rng.chance(0.15) {
                    g.tx = PEN.0 + 40.0 + self.rng.unit() as f32 * (PEN.1 - PEN.0 - 80.0);
                    g.ty = PEN.2 + 40.0 + self.rng.unit() as f32 * (PEN.3 - PEN.2 - 50.0);
                }
            } else {
                let step = (22.0 * dt).min(d);
                g.x += dx / d * step;
                g.y += dy / d * step;
                g.facing_right = dx > 0.0;
            }
        }
        let mut data = self.background.clone();
        let mut order: Vec<usize> = (0..self.goats.len()).collect();
        // Far goats (higher in the picture) first, so near ones hide them.
        order.sort_by(|&a, &b| self.goats[a].y.total_cmp(&self.goats[b].y));
        let mut truth = Vec::with_capacity(order.len());
        for i in order {
            let g = self.goats[i];
            let up = standing[i];
            // Perspective: goats further back look smaller.
            let depth = 0.7 + 0.3 * (g.y - PEN.2) / (PEN.3 - PEN.2);
            let (w, h) = goat_size(g.size * depth, up);
            let bbox = BBox {
                x: g.x - w / 2.0,
                y: g.y - h,
                w,
                h,
            };
            draw_goat(&mut data, &bbox, g.coat, up, g.facing_right);
            truth.push(RawDetection {
                bbox: bbox.clamp(WIDTH as f32, HEIGHT as f32),
                class_id: usize::from(!up),
                class: if up { "standing" } else { "lying" }.into(),
                role: if up { Role::Standing } else { Role::Lying },
                score: 0.9,
            });
        }
        SceneFrame {
            frame: RgbFrame::new(WIDTH, HEIGHT, data).expect("the barn is drawn at its own size"),
            truth,
        }
    }
}

fn put(data: &mut [u8], x: i32, y: i32, c: [u8; 3]) {
    if x >= 0 && y >= 0 && (x as u32) < WIDTH && (y as u32) < HEIGHT {
        let i = (y as usize * WIDTH as usize + x as usize) * 3;
        data[i..i + 3].copy_from_slice(&c);
    }
}

fn fill_rect(data: &mut [u8], x0: f32, y0: f32, x1: f32, y1: f32, c: [u8; 3]) {
    for y in y0.floor() as i32..y1.ceil() as i32 {
        for x in x0.floor() as i32..x1.ceil() as i32 {
            put(data, x, y, c);
        }
    }
}

fn fill_ellipse(data: &mut [u8], cx: f32, cy: f32, rx: f32, ry: f32, c: [u8; 3]) {
    for y in (cy - ry).floor() as i32..=(cy + ry).ceil() as i32 {
        for x in (cx - rx).floor() as i32..=(cx + rx).ceil() as i32 {
            let (dx, dy) = ((x as f32 - cx) / rx, (y as f32 - cy) / ry);
            if dx * dx + dy * dy <= 1.0 {
                put(data, x, y, c);
            }
        }
    }
}

fn shade(c: [u8; 3], f: f32) -> [u8; 3] {
    c.map(|v| (v as f32 * f).clamp(0.0, 255.0) as u8)
}

fn draw_goat(data: &mut [u8], b: &BBox, coat: [u8; 3], standing: bool, right: bool) {
    let dir = if right { 1.0 } else { -1.0 };
    let cx = b.x + b.w / 2.0;
    // Shadow on the straw.
    fill_ellipse(data, cx, b.y2() - 2.0, b.w * 0.5, 4.0, [120, 100, 60]);
    if standing {
        let body_y = b.y + b.h * 0.45;
        let leg = shade(coat, 0.6);
        for lx in [-0.3f32, -0.18, 0.18, 0.3] {
            fill_rect(
                data,
                cx + lx * b.w - 2.0,
                body_y,
                cx + lx * b.w + 2.0,
                b.y2(),
                leg,
            );
        }
        fill_ellipse(data, cx, body_y, b.w * 0.4, b.h * 0.2, coat);
        // Neck and head, raised.
        let hx = cx + dir * b.w * 0.38;
        fill_rect(data, hx - 3.0, b.y + b.h * 0.15, hx + 3.0, body_y, coat);
        fill_ellipse(
            data,
            hx + dir * 4.0,
            b.y + b.h * 0.15,
            b.w * 0.1,
            b.h * 0.1,
            shade(coat, 0.9),
        );
        // Horns.
        fill_rect(
            data,
            hx - 1.0,
            b.y,
            hx + 1.0,
            b.y + b.h * 0.08,
            [90, 80, 70],
        );
    } else {
        fill_ellipse(data, cx, b.y + b.h * 0.6, b.w * 0.42, b.h * 0.4, coat);
        let hx = cx + dir * b.w * 0.36;
        fill_ellipse(
            data,
            hx,
            b.y + b.h * 0.3,
            b.w * 0.1,
            b.h * 0.28,
            shade(coat, 0.9),
        );
    }
}

/// Barn wall, feeder and a straw floor with a little texture.
fn background(seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed ^ 0xBA77);
    let mut data = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    for y in 0..HEIGHT as i32 {
        for x in 0..WIDTH as i32 {
            let c = if (y as f32) < PEN.2 - 20.0 {
                // Wooden planks.
                let plank = if (x / 48) % 2 == 0 { 1.0 } else { 0.92 };
                shade([130, 95, 60], plank)
            } else {
                let n = 0.9 + 0.2 * rng.unit() as f32;
                shade([205, 180, 110], n)
            };
            put(&mut data, x, y, c);
        }
    }
    // Feeder trough along the wall, and a light from the window.
    fill_rect(
        &mut data,
        60.0,
        PEN.2 - 35.0,
        580.0,
        PEN.2 - 10.0,
        [90, 70, 50],
    );
    fill_rect(
        &mut data,
        64.0,
        PEN.2 - 32.0,
        576.0,
        PEN.2 - 24.0,
        [150, 170, 80],
    );
    fill_rect(&mut data, 250.0, 10.0, 390.0, 60.0, [210, 225, 235]);
    data
}

/// The detector of `demo:` cameras: the scene's own boxes (see module docs).
#[derive(Debug, Default)]
pub struct SceneDetector {
    pending: Vec<RawDetection>,
}

impl SceneDetector {
    /// Sets the boxes the next [`Detect::detect`] returns (the frame's truth).
    pub fn set_truth(&mut self, truth: Vec<RawDetection>) {
        self.pending = truth;
    }
}

impl Detect for SceneDetector {
    fn detect(&mut self, _frame: &RgbFrame) -> Result<Vec<RawDetection>, DetectError> {
        Ok(std::mem::take(&mut self.pending))
    }

    fn has_posture_classes(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goats_follow_the_herd_rhythm_and_stay_in_the_frame() {
        let settings = DemoSettings::for_camera(42, 0, 60);
        // 03:00 local: most goats lie; 07:30 local (feeding): many stand.
        let night = 2 * 3_600_000;
        let mut scene = DemoScene::new(settings, night);
        let f = scene.render(night + 500);
        assert_eq!(f.truth.len(), scene.herd_size());
        assert_eq!(f.frame.data().len(), (WIDTH * HEIGHT * 3) as usize);
        let lying = f.truth.iter().filter(|d| d.role == Role::Lying).count();
        assert!(
            lying * 10 >= f.truth.len() * 7,
            "{lying} of {} lying at night",
            f.truth.len()
        );
        let feeding = 6 * 3_600_000 + 30 * 60_000;
        let mut scene = DemoScene::new(settings, feeding);
        let mut standing = 0;
        for k in 0..10 {
            let f = scene.render(feeding + k * 500);
            standing += f.truth.iter().filter(|d| d.role == Role::Standing).count();
            for d in &f.truth {
                assert!(
                    d.bbox.x >= 0.0 && d.bbox.x2() <= WIDTH as f32 && d.bbox.y2() <= HEIGHT as f32
                );
            }
        }
        assert!(standing * 2 >= 10 * scene.herd_size(), "{standing}");
    }

    #[test]
    fn standing_boxes_are_taller_than_lying_ones_for_the_posture_rule() {
        use animov_core::posture::{Posture, PostureModel};
        let mut scene = DemoScene::new(DemoSettings::for_camera(7, 1, 0), 12 * 3_600_000);
        let f = scene.render(12 * 3_600_000);
        let model = PostureModel::default();
        for d in &f.truth {
            let expected = if d.role == Role::Standing {
                Posture::Standing
            } else {
                Posture::Lying
            };
            assert_eq!(model.classify(&d.bbox, HEIGHT as f32), expected, "{d:?}");
        }
    }

    #[test]
    fn the_scene_detector_returns_the_truth_once() {
        let mut scene = DemoScene::new(DemoSettings::for_camera(1, 0, 0), 0);
        let f = scene.render(1000);
        let mut d = SceneDetector::default();
        d.set_truth(f.truth.clone());
        assert_eq!(d.detect(&f.frame).unwrap(), f.truth);
        assert!(d.detect(&f.frame).unwrap().is_empty());
    }
}
