//! AniMOV's vision adapters: the sidecar that describes a detector
//! ([`spec`]), frame preprocessing ([`preprocess`]), output decoding
//! ([`decode`]), ONNX Runtime detection ([`detector`]).
//!
//! Pure steps (preprocess, decode) are tested without ONNX Runtime; the
//! detector loads the library dynamically (see [`detector::runtime`]) and says
//! clearly when it is missing.

pub mod capture;
pub mod decode;
pub mod detector;
pub mod handoff;
pub mod preprocess;
pub mod spec;

pub use detector::{Detect, DetectError, Detector, Tiling};
pub use preprocess::RgbFrame;
