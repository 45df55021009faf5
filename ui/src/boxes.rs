//! The box editor's geometry, pure: what a press on the picture grabs, and
//! how a drag changes the boxes. Coordinates are the picture's pixels.

use animov_api::GroundBox;

/// The smallest box kept, pixels.
pub const MIN_SIDE: f64 = 3.0;

/// What a press grabbed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Grab {
    /// Moves box `i`, pressed at `(x, y)` when it was `orig`.
    Move {
        /// Box index.
        i: usize,
        /// Press point.
        x: f64,
        /// Press point.
        y: f64,
        /// The box then.
        orig: GroundBox,
    },
    /// Resizes box `i` by its corner opposite `(ax, ay)` (the anchor).
    Resize {
        /// Box index.
        i: usize,
        /// Fixed corner.
        ax: f64,
        /// Fixed corner.
        ay: f64,
    },
}

/// The corner of `b` within `tol` of `(x, y)`: its opposite corner (the anchor).
fn corner_anchor(b: &GroundBox, x: f64, y: f64, tol: f64) -> Option<(f64, f64)> {
    let (x1, y1) = (b.x + b.w, b.y + b.h);
    [
        (b.x, b.y, x1, y1),
        (x1, b.y, b.x, y1),
        (b.x, y1, x1, b.y),
        (x1, y1, b.x, b.y),
    ]
    .into_iter()
    .find(|(cx, cy, _, _)| (cx - x).abs() <= tol && (cy - y).abs() <= tol)
    .map(|(_, _, ax, ay)| (ax, ay))
}

/// What a press at `(x, y)` grabs: a corner of the selected box, else the
/// topmost box under it; `None`: empty picture (a new box is drawn).
pub fn grab(
    boxes: &[GroundBox],
    selected: Option<usize>,
    x: f64,
    y: f64,
    tol: f64,
) -> Option<Grab> {
    if let Some(i) = selected
        && let Some(b) = boxes.get(i)
        && let Some((ax, ay)) = corner_anchor(b, x, y, tol)
    {
        return Some(Grab::Resize { i, ax, ay });
    }
    boxes
        .iter()
        .enumerate()
        .rev()
        .find(|(_, b)| b.x <= x && x <= b.x + b.w && b.y <= y && y <= b.y + b.h)
        .map(|(i, b)| Grab::Move { i, x, y, orig: *b })
}

/// The box spanned by two corners, inside a `w` × `h` picture.
pub fn spanned(ax: f64, ay: f64, x: f64, y: f64, w: f64, h: f64, class: u8) -> GroundBox {
    let (x0, x1) = (ax.min(x).clamp(0.0, w), ax.max(x).clamp(0.0, w));
    let (y0, y1) = (ay.min(y).clamp(0.0, h), ay.max(y).clamp(0.0, h));
    GroundBox {
        x: x0.round(),
        y: y0.round(),
        w: (x1 - x0).round(),
        h: (y1 - y0).round(),
        class,
    }
}

/// Box `i` after the grab's drag to `(x, y)`, inside a `w` × `h` picture.
pub fn dragged(
    g: Grab,
    boxes: &[GroundBox],
    x: f64,
    y: f64,
    w: f64,
    h: f64,
) -> Option<(usize, GroundBox)> {
    match g {
        Grab::Move {
            i,
            x: px,
            y: py,
            orig,
        } => {
            let nx = (orig.x + x - px).clamp(0.0, (w - orig.w).max(0.0)).round();
            let ny = (orig.y + y - py).clamp(0.0, (h - orig.h).max(0.0)).round();
            Some((
                i,
                GroundBox {
                    x: nx,
                    y: ny,
                    ..orig
                },
            ))
        }
        Grab::Resize { i, ax, ay } => {
            let class = boxes.get(i)?.class;
            Some((i, spanned(ax, ay, x, y, w, h, class)))
        }
    }
}

/// The boxes without those too small to mean anything.
pub fn tidy(boxes: &mut Vec<GroundBox>) {
    boxes.retain(|b| b.w >= MIN_SIDE && b.h >= MIN_SIDE);
}
