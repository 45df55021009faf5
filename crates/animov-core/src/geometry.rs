//! Boxes, overlap and non-maximum suppression (pure, in pixels of one frame).

/// An axis-aligned box: left, top, width, height (pixels).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct BBox {
    /// Left edge.
    pub x: f32,
    /// Top edge.
    pub y: f32,
    /// Width (≥ 0).
    pub w: f32,
    /// Height (≥ 0).
    pub h: f32,
}

impl BBox {
    /// From corners (x1, y1) – (x2, y2); a reversed box has zero size.
    pub fn from_corners(x1: f32, y1: f32, x2: f32, y2: f32) -> BBox {
        BBox {
            x: x1,
            y: y1,
            w: (x2 - x1).max(0.0),
            h: (y2 - y1).max(0.0),
        }
    }

    /// Right edge.
    pub fn x2(&self) -> f32 {
        self.x + self.w
    }

    /// Bottom edge.
    pub fn y2(&self) -> f32 {
        self.y + self.h
    }

    /// Area in pixels².
    pub fn area(&self) -> f32 {
        self.w * self.h
    }

    /// Centre point.
    pub fn centre(&self) -> (f32, f32) {
        (self.x + self.w / 2.0, self.y + self.h / 2.0)
    }

    /// Intersection over union, 0 when either box is empty.
    pub fn iou(&self, other: &BBox) -> f32 {
        let iw = (self.x2().min(other.x2()) - self.x.max(other.x)).max(0.0);
        let ih = (self.y2().min(other.y2()) - self.y.max(other.y)).max(0.0);
        let inter = iw * ih;
        let union = self.area() + other.area() - inter;
        if union <= 0.0 { 0.0 } else { inter / union }
    }

    /// The part of the box inside `[0, width) × [0, height)`.
    pub fn clamp(&self, width: f32, height: f32) -> BBox {
        BBox::from_corners(
            self.x.clamp(0.0, width),
            self.y.clamp(0.0, height),
            self.x2().clamp(0.0, width),
            self.y2().clamp(0.0, height),
        )
    }
}

/// A scored box of one class (index into the model's class list).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    /// Where.
    pub bbox: BBox,
    /// Class index of the detector.
    pub class_id: usize,
    /// Confidence in \[0, 1\].
    pub score: f32,
}

/// Greedy non-maximum suppression: keeps the best box, drops every box that
/// overlaps a kept one by more than `iou_threshold`, and so on.
///
/// With `class_agnostic`, boxes of different classes suppress each other (one
/// goat often scores as `sheep` and `dog` at once); otherwise only boxes of the
/// same class do. Ties in score keep the earlier box. The result is sorted by
/// decreasing score.
pub fn nms(mut boxes: Vec<Scored>, iou_threshold: f32, class_agnostic: bool) -> Vec<Scored> {
    // Stable sort: equal scores keep input order.
    boxes.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut kept: Vec<Scored> = Vec::with_capacity(boxes.len().min(64));
    for b in boxes {
        let suppressed = kept.iter().any(|k| {
            (class_agnostic || k.class_id == b.class_id) && k.bbox.iou(&b.bbox) > iou_threshold
        });
        if !suppressed {
            kept.push(b);
        }
    }
    kept
}

/// Whether a point lies inside a polygon (even–odd rule); used for regions of interest.
pub fn point_in_polygon(px: f32, py: f32, polygon: &[(f32, f32)]) -> bool {
    let mut inside = false;
    let n = polygon.len();
    if n < 3 {
        return false;
    }
    let mut j = n - 1;
    for i in 0..n {
        let (xi, yi) = polygon[i];
        let (xj, yj) = polygon[j];
        if (yi > py) != (yj > py) && px < (xj - xi) * (py - yi) / (yj - yi) + xi {
            inside = !inside;
        }
        j = i;
    }
    inside
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: f32, y: f32, w: f32, h: f32, class_id: usize, score: f32) -> Scored {
        Scored {
            bbox: BBox { x, y, w, h },
            class_id,
            score,
        }
    }

    #[test]
    fn iou_of_known_boxes() {
        let a = BBox {
            x: 0.0,
            y: 0.0,
            w: 10.0,
            h: 10.0,
        };
        let b = BBox {
            x: 5.0,
            y: 0.0,
            w: 10.0,
            h: 10.0,
        };
        assert!((a.iou(&b) - 50.0 / 150.0).abs() < 1e-6);
        assert_eq!(
            a.iou(&BBox {
                x: 20.0,
                y: 20.0,
                w: 5.0,
                h: 5.0
            }),
            0.0
        );
        assert_eq!(a.iou(&a), 1.0);
        assert_eq!(BBox::default().iou(&BBox::default()), 0.0);
    }

    #[test]
    fn nms_per_class_keeps_overlapping_boxes_of_other_classes() {
        let boxes = vec![
            s(0.0, 0.0, 10.0, 10.0, 0, 0.9),
            s(1.0, 0.0, 10.0, 10.0, 0, 0.8),
            s(1.0, 1.0, 10.0, 10.0, 1, 0.7),
            s(50.0, 50.0, 10.0, 10.0, 0, 0.6),
        ];
        let kept = nms(boxes.clone(), 0.5, false);
        assert_eq!(kept, vec![boxes[0], boxes[2], boxes[3]]);
        // The goat that is both `sheep` and `dog`: one box when class-agnostic.
        let kept = nms(boxes.clone(), 0.5, true);
        assert_eq!(kept, vec![boxes[0], boxes[3]]);
    }

    #[test]
    fn nms_sorts_and_keeps_first_of_ties() {
        let boxes = vec![
            s(100.0, 0.0, 10.0, 10.0, 0, 0.5),
            s(0.0, 0.0, 10.0, 10.0, 0, 0.9),
            s(0.5, 0.0, 10.0, 10.0, 0, 0.9),
        ];
        let kept = nms(boxes.clone(), 0.5, true);
        assert_eq!(kept, vec![boxes[1], boxes[0]]);
    }

    #[test]
    fn polygon_membership() {
        let square = [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)];
        assert!(point_in_polygon(5.0, 5.0, &square));
        assert!(!point_in_polygon(15.0, 5.0, &square));
        assert!(!point_in_polygon(5.0, 5.0, &square[..2]));
    }
}
