//! Frame → input tensor: letterbox (or stretch), bilinear resize, channel
//! order and normalisation, written NCHW in one pass.

use animov_core::geometry::BBox;

use crate::{
    frame::RgbFrame,
    spec::{Channels, InputSpec},
};

/// How frame pixels map to input pixels: `input = frame · scale + pad`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Letterbox {
    /// Horizontal scale.
    pub sx: f32,
    /// Vertical scale.
    pub sy: f32,
    /// Left padding, input pixels.
    pub pad_x: f32,
    /// Top padding, input pixels.
    pub pad_y: f32,
}

impl Letterbox {
    /// The mapping for a frame of `w × h` into `spec`'s input.
    pub fn new(w: u32, h: u32, spec: &InputSpec) -> Letterbox {
        let (iw, ih) = (spec.width as f32, spec.height as f32);
        if spec.letterbox {
            let s = (iw / w as f32).min(ih / h as f32);
            let nw = (w as f32 * s).round();
            let nh = (h as f32 * s).round();
            Letterbox {
                sx: nw / w as f32,
                sy: nh / h as f32,
                pad_x: ((iw - nw) / 2.0).floor(),
                pad_y: ((ih - nh) / 2.0).floor(),
            }
        } else {
            Letterbox {
                sx: iw / w as f32,
                sy: ih / h as f32,
                pad_x: 0.0,
                pad_y: 0.0,
            }
        }
    }

    /// A box in input pixels back in frame pixels.
    pub fn to_frame(&self, b: BBox) -> BBox {
        BBox {
            x: (b.x - self.pad_x) / self.sx,
            y: (b.y - self.pad_y) / self.sy,
            w: b.w / self.sx,
            h: b.h / self.sy,
        }
    }
}

/// Fills `out` (len 3·W·H, NCHW) with the normalised, letterboxed frame.
pub fn preprocess(frame: &RgbFrame, spec: &InputSpec, out: &mut Vec<f32>) -> Letterbox {
    let (iw, ih) = (spec.width as usize, spec.height as usize);
    let lb = Letterbox::new(frame.width(), frame.height(), spec);
    let plane = iw * ih;
    out.clear();
    out.resize(3 * plane, 0.0);
    // Channel c of the tensor reads RGB channel src[c].
    let src = match spec.channels {
        Channels::Rgb => [0usize, 1, 2],
        Channels::Bgr => [2usize, 1, 0],
    };
    let pad: [f32; 3] = match spec.pad {
        Some(p) => [0, 1, 2].map(|c| (p - spec.mean[c]) / spec.std[c]),
        None => [0.0; 3],
    };
    let inv_std = spec.std.map(|s| 1.0 / s);
    let (fw, fh) = (frame.width() as usize, frame.height() as usize);
    let x0 = lb.pad_x as usize;
    let y0 = lb.pad_y as usize;
    let nw = ((fw as f32 * lb.sx).round() as usize).min(iw - x0);
    let nh = ((fh as f32 * lb.sy).round() as usize).min(ih - y0);
    // Horizontal sampling positions are the same on every row.
    let xs: Vec<(usize, usize, f32)> = (0..nw)
        .map(|ox| {
            let sx = ((ox as f32 + 0.5) / lb.sx - 0.5).clamp(0.0, (fw - 1) as f32);
            let xa = sx.floor() as usize;
            (xa, (xa + 1).min(fw - 1), sx - xa as f32)
        })
        .collect();
    let data = frame.data();
    for oy in 0..ih {
        let row = oy * iw;
        if oy < y0 || oy >= y0 + nh {
            for c in 0..3 {
                out[c * plane + row..c * plane + row + iw].fill(pad[c]);
            }
            continue;
        }
        let sy = (((oy - y0) as f32 + 0.5) / lb.sy - 0.5).clamp(0.0, (fh - 1) as f32);
        let ya = sy.floor() as usize;
        let yb = (ya + 1).min(fh - 1);
        let fy = sy - ya as f32;
        let ra = ya * fw * 3;
        let rb = yb * fw * 3;
        for c in 0..3 {
            let base = c * plane + row;
            out[base..base + x0].fill(pad[c]);
            out[base + x0 + nw..base + iw].fill(pad[c]);
            let ch = src[c];
            let (m, is) = (spec.mean[c], inv_std[c]);
            for (i, &(xa, xb, fx)) in xs.iter().enumerate() {
                let p00 = f32::from(data[ra + xa * 3 + ch]);
                let p01 = f32::from(data[ra + xb * 3 + ch]);
                let p10 = f32::from(data[rb + xa * 3 + ch]);
                let p11 = f32::from(data[rb + xb * 3 + ch]);
                let top = p00 + (p01 - p00) * fx;
                let bottom = p10 + (p11 - p10) * fx;
                let v = top + (bottom - top) * fy;
                out[base + x0 + i] = (v - m) * is;
            }
        }
    }
    lb
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(w: u32, h: u32, channels: Channels, letterbox: bool) -> InputSpec {
        InputSpec {
            width: w,
            height: h,
            channels,
            mean: [0.0; 3],
            std: [1.0; 3],
            letterbox,
            pad: Some(114.0),
        }
    }

    #[test]
    fn letterbox_pads_the_short_side_and_maps_boxes_back() {
        // 8×4 red frame into 8×8: rows 0-1 and 6-7 are padding.
        let frame = RgbFrame::new(8, 4, [200u8, 10, 20].repeat(32)).unwrap();
        let mut t = Vec::new();
        let lb = preprocess(&frame, &spec(8, 8, Channels::Bgr, true), &mut t);
        assert_eq!(
            lb,
            Letterbox {
                sx: 1.0,
                sy: 1.0,
                pad_x: 0.0,
                pad_y: 2.0
            }
        );
        assert_eq!(t.len(), 3 * 64);
        assert_eq!(t[0], 114.0); // padding
        assert_eq!(t[2 * 8], 20.0); // B plane, first image row
        assert_eq!(t[128 + 2 * 8], 200.0); // R plane is third in BGR
        let b = lb.to_frame(BBox {
            x: 1.0,
            y: 3.0,
            w: 2.0,
            h: 2.0,
        });
        assert_eq!(
            b,
            BBox {
                x: 1.0,
                y: 1.0,
                w: 2.0,
                h: 2.0
            }
        );
    }

    #[test]
    fn downscale_averages_neighbours_and_normalises() {
        // A 4×2 frame with columns 0,100,200,255 (grey) into 2×1 stretched.
        let mut data = Vec::new();
        for _ in 0..2 {
            for v in [0u8, 100, 200, 255] {
                data.extend([v, v, v]);
            }
        }
        let frame = RgbFrame::new(4, 2, data).unwrap();
        let mut s = spec(2, 1, Channels::Rgb, false);
        s.mean = [10.0; 3];
        s.std = [2.0; 3];
        let mut t = Vec::new();
        preprocess(&frame, &s, &mut t);
        // Output x=0 samples source x=0.5 → 50; x=1 samples 2.5 → 227.5.
        assert_eq!(t[0], (50.0 - 10.0) / 2.0);
        assert_eq!(t[1], (227.5 - 10.0) / 2.0);
    }
}
