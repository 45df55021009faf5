//! A decoded picture: RGB, 8 bits per channel, rows packed, its size
//! checked on construction and kept consistent afterwards.

/// An RGB frame, 8 bits per channel, rows packed.
#[derive(Debug, Clone, PartialEq)]
pub struct RgbFrame {
    width: u32,
    height: u32,
    data: Vec<u8>,
}

impl RgbFrame {
    /// A frame from packed RGB bytes; `None` if the size does not match.
    pub fn new(width: u32, height: u32, data: Vec<u8>) -> Option<RgbFrame> {
        (data.len() == width as usize * height as usize * 3 && width > 0 && height > 0).then_some(
            RgbFrame {
                width,
                height,
                data,
            },
        )
    }

    /// Width in pixels (at least 1).
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels (at least 1).
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The `width * height * 3` bytes, row after row.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// The bytes, given up.
    pub fn into_data(self) -> Vec<u8> {
        self.data
    }

    /// The part of the frame inside `[x, x+w) × [y, y+h)` (clamped), as a new frame.
    pub fn crop(&self, x: u32, y: u32, w: u32, h: u32) -> RgbFrame {
        let x = x.min(self.width - 1);
        let y = y.min(self.height - 1);
        let w = w.min(self.width - x).max(1);
        let h = h.min(self.height - y).max(1);
        let mut data = Vec::with_capacity(w as usize * h as usize * 3);
        for row in y..y + h {
            let start = (row as usize * self.width as usize + x as usize) * 3;
            data.extend_from_slice(&self.data[start..start + w as usize * 3]);
        }
        RgbFrame {
            width: w,
            height: h,
            data,
        }
    }

    /// Decodes a JPEG or PNG file.
    pub fn open(path: &std::path::Path) -> Result<RgbFrame, ImageError> {
        let bad = |e: &dyn std::fmt::Display| ImageError {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        let img = image::ImageReader::open(path)
            .and_then(|r| r.with_guessed_format())
            .map_err(|e| bad(&e))?
            .decode()
            .map_err(|e| bad(&e))?
            .into_rgb8();
        let (w, h) = img.dimensions();
        Ok(RgbFrame {
            width: w,
            height: h,
            data: img.into_raw(),
        })
    }
}

/// An image file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("cannot read the image {path}: {message} (JPEG and PNG are supported)")]
pub struct ImageError {
    /// File.
    pub path: String,
    /// Cause.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_checked_and_fields_stay_consistent() {
        assert!(RgbFrame::new(2, 2, vec![0; 11]).is_none());
        assert!(RgbFrame::new(0, 0, vec![]).is_none());
        let f = RgbFrame::new(2, 1, vec![1, 2, 3, 4, 5, 6]).unwrap();
        assert_eq!((f.width(), f.height(), f.data().len()), (2, 1, 6));
        assert_eq!(f.into_data(), vec![1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn crop_clamps_to_the_frame() {
        let frame = RgbFrame::new(4, 4, (0..48).map(|v| v as u8).collect()).unwrap();
        let c = frame.crop(2, 3, 10, 10);
        assert_eq!((c.width(), c.height()), (2, 1));
        assert_eq!(c.data(), [42, 43, 44, 45, 46, 47]);
    }
}
