//! JPEG encoding of frames (snapshots, live view).

use crate::frame::RgbFrame;

/// Encodes a frame as a JPEG of the given quality (1–100).
pub fn encode(frame: &RgbFrame, quality: u8) -> Vec<u8> {
    let mut out = Vec::with_capacity(frame.data().len() / 8);
    let mut enc =
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality.clamp(1, 100));
    // The frame's size always matches its data (RgbFrame::new checks), so this cannot fail.
    let _ = enc.encode(
        frame.data(),
        frame.width(),
        frame.height(),
        image::ExtendedColorType::Rgb8,
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_a_decodable_jpeg() {
        let frame = RgbFrame::new(16, 8, vec![200; 16 * 8 * 3]).unwrap();
        let jpg = encode(&frame, 80);
        assert_eq!(&jpg[..2], &[0xFF, 0xD8]);
        let back = image::load_from_memory(&jpg).unwrap().into_rgb8();
        assert_eq!(back.dimensions(), (16, 8));
    }
}
