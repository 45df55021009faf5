//! A camera picture with every box the detector proposed: counted boxes in
//! their posture's colour, the others dashed; the region of interest and
//! posture marks drawn over it; clicks reported in picture pixels.

use animov_api::CameraPicture;
use leptos::{ev, prelude::*};
use wasm_bindgen::JsCast;

/// A posture mark on a box (calibration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// Marked standing.
    Standing,
    /// Marked lying.
    Lying,
}

impl Mark {
    /// `standing` or `lying`.
    pub fn as_str(self) -> &'static str {
        match self {
            Mark::Standing => "standing",
            Mark::Lying => "lying",
        }
    }
}

/// Where a click fell, in picture pixels.
fn picture_point(ev: &ev::MouseEvent, width: u32, height: u32) -> Option<(f32, f32)> {
    let el: web_sys::Element = ev.current_target()?.dyn_into().ok()?;
    let r = el.get_bounding_client_rect();
    if r.width() <= 0.0 || r.height() <= 0.0 {
        return None;
    }
    let x = (f64::from(ev.client_x()) - r.left()) * f64::from(width) / r.width();
    let y = (f64::from(ev.client_y()) - r.top()) * f64::from(height) / r.height();
    Some((x as f32, y as f32))
}

/// The index of the box under `(x, y)`: the smallest counted one, else the
/// smallest of the others (weak boxes often sit inside an animal's box).
pub fn box_at(pic: &CameraPicture, (x, y): (f32, f32)) -> Option<usize> {
    let under = |counted: bool| {
        pic.boxes
            .iter()
            .enumerate()
            .filter(|(_, b)| b.counted == counted)
            .filter(|(_, b)| x >= b.x && x <= b.x + b.w && y >= b.y && y <= b.y + b.h)
            .min_by(|a, b| (a.1.w * a.1.h).total_cmp(&(b.1.w * b.1.h)))
            .map(|(i, _)| i)
    };
    under(true).or_else(|| under(false))
}

/// The picture, its boxes, the region of interest and the marks.
#[component]
pub fn PictureView(
    pic: CameraPicture,
    #[prop(optional)] roi: Option<Vec<[f32; 2]>>,
    #[prop(optional)] marks: Option<Vec<(usize, Mark)>>,
    #[prop(optional, into)] on_click: Option<Callback<(f32, f32)>>,
) -> impl IntoView {
    let (w, h) = (pic.width, pic.height);
    let src = format!("data:image/jpeg;base64,{}", pic.jpeg_base64);
    let counted = pic.boxes.iter().filter(|b| b.counted).count();
    let roi_points = roi.filter(|r| !r.is_empty()).map(|r| {
        r.iter()
            .map(|p| format!("{},{}", p[0], p[1]))
            .collect::<Vec<_>>()
            .join(" ")
    });
    let marks = marks.unwrap_or_default();
    let click = move |ev: ev::MouseEvent| {
        if let (Some(cb), Some(p)) = (on_click, picture_point(&ev, w, h)) {
            cb.run(p);
        }
    };
    view! {
        <div class="picture tune-picture" data-boxes=counted data-candidates=pic.boxes.len()>
            <img src=src alt="camera"/>
            <svg viewBox=format!("0 0 {w} {h}") preserveAspectRatio="none" on:click=click
                class:clickable=on_click.is_some()>
                {pic.boxes.iter().enumerate().map(|(i, b)| {
                    let class = if b.counted {
                        format!("box {}", b.posture)
                    } else {
                        "box ignored".to_string()
                    };
                    view! {
                        <rect x=b.x y=b.y width=b.w height=b.h class=class data-index=i data-score=b.score>
                            <title>{format!("{} {:.2}", b.posture, b.score)}</title>
                        </rect>
                    }
                }).collect_view()}
                {roi_points.map(|p| view! { <polygon class="roi" points=p/> })}
                {marks.into_iter().filter_map(|(i, m)| pic.boxes.get(i).map(|b| view! {
                    <rect x=b.x - 2.0 y=b.y - 2.0 width=b.w + 4.0 height=b.h + 4.0
                        class=format!("mark {}", m.as_str()) data-mark=m.as_str()/>
                })).collect_view()}
            </svg>
        </div>
    }
}
