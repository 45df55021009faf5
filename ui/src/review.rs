//! The Review page's arithmetic, apart from the DOM: where a time sits on
//! the day's strip, which recording holds it, which analysed frame is shown
//! at a video time, and the overlay's drawing.

use animov_api::{DetectionFrame, Recording};
use wasm_bindgen::JsCast;

/// A day, UTC ms.
pub const DAY_MS: i64 = 86_400_000;
/// An hour, ms.
pub const HOUR_MS: i64 = 3_600_000;
/// Speeds offered.
pub const SPEEDS: [f64; 5] = [1.0, 2.0, 4.0, 8.0, 16.0];
/// A frame step, seconds (one analysed frame at 2 fps).
pub const STEP_S: f64 = 0.5;

/// Position of `ts` on the strip of the day starting at `day`, 0–100 %.
pub fn pct(day: i64, ts: i64) -> f64 {
    ((ts - day) as f64 / DAY_MS as f64 * 100.0).clamp(0.0, 100.0)
}

/// The recording holding `ts`, or else the first one after it (recordings
/// oldest first).
pub fn recording_at(recs: &[Recording], ts: i64) -> Option<usize> {
    recs.iter()
        .position(|r| r.start_ms <= ts && ts < r.end_ms)
        .or_else(|| recs.iter().position(|r| r.start_ms > ts))
}

/// The analysed frame shown at capture time `ts` (see [`DetectionFrame::shown_at`]).
pub fn frame_at(frames: &[DetectionFrame], ts: i64) -> Option<&DetectionFrame> {
    DetectionFrame::shown_at(frames, ts)
}

/// Colours: standing green, lying blue, other grey.
fn colour(class: f64) -> &'static str {
    match class as i64 {
        0 => "#2e7d32",
        1 => "#1565c0",
        _ => "#757575",
    }
}

/// Draws the frame's boxes on the canvas `id`, sized to the video shown
/// (`video_w × video_h` pixels of picture); returns how many were drawn.
pub fn draw(
    id: &str,
    frame: Option<&DetectionFrame>,
    areas: &[[f64; 4]],
    video_w: f64,
    video_h: f64,
) -> usize {
    let Some(canvas) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlCanvasElement>().ok())
    else {
        return 0;
    };
    let (cw, ch) = (
        f64::from(canvas.client_width()),
        f64::from(canvas.client_height()),
    );
    if canvas.width() != cw as u32 || canvas.height() != ch as u32 {
        canvas.set_width(cw as u32);
        canvas.set_height(ch as u32);
    }
    let Some(ctx) = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok())
    else {
        return 0;
    };
    ctx.clear_rect(0.0, 0.0, cw, ch);
    if video_w <= 0.0 || video_h <= 0.0 {
        return 0;
    }
    // The picture is letterboxed into the element (object-fit: contain).
    let scale = (cw / video_w).min(ch / video_h);
    let (ox, oy) = ((cw - video_w * scale) / 2.0, (ch - video_h * scale) / 2.0);
    // Notes' boxes: dashed purple.
    if !areas.is_empty() {
        ctx.set_line_width(3.0);
        ctx.set_stroke_style_str("#8e24aa");
        let _ = ctx.set_line_dash(&js_sys::Array::of2(&8.0.into(), &4.0.into()));
        for a in areas {
            ctx.stroke_rect(
                ox + a[0] * scale,
                oy + a[1] * scale,
                a[2] * scale,
                a[3] * scale,
            );
        }
        let _ = ctx.set_line_dash(&js_sys::Array::new());
    }
    let Some(f) = frame else {
        return 0;
    };
    ctx.set_line_width(2.0);
    ctx.set_font("12px sans-serif");
    for b in &f.boxes {
        let c = colour(b[4]);
        ctx.set_stroke_style_str(c);
        ctx.set_fill_style_str(c);
        let (x, y) = (ox + b[0] * scale, oy + b[1] * scale);
        ctx.stroke_rect(x, y, b[2] * scale, b[3] * scale);
        let label = if b[6] >= 0.0 {
            format!("#{} {:.0} %", b[6], b[5] * 100.0)
        } else {
            format!("{:.0} %", b[5] * 100.0)
        };
        let _ = ctx.fill_text(&label, x + 2.0, (y - 3.0).max(10.0));
    }
    f.boxes.len()
}
