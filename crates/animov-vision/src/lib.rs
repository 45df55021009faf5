//! AniMOV's vision adapters: the sidecar that describes a detector
//! ([`spec`]), frame preprocessing ([`preprocess`]), output decoding
//! ([`decode`]), ONNX Runtime detection ([`detector`]), GStreamer capture and
//! recording ([`capture`], [`record`]) behind a drop-oldest [`handoff`], the
//! `demo:` barn ([`scene`]), JPEG encoding ([`jpeg`]), and the checked
//! [`RgbFrame`] they all pass around.
//!
//! Pure steps (preprocess, decode) are tested without ONNX Runtime; the
//! detector loads the library dynamically (see [`detector::runtime`]) and says
//! clearly when it is missing.

pub mod capture;
pub mod clip;
pub mod decode;
pub mod detector;
pub mod error;
pub mod frame;
pub mod grab;
pub mod handoff;
pub mod jpeg;
pub mod preprocess;
pub mod rate;
pub mod record;
pub mod remux;
pub mod salvage;
pub mod scene;
pub mod source;
pub mod spec;

pub use detector::{Detect, DetectError, Detector, RuntimeError, Tiling};
pub use error::PipelineError;
pub use frame::{ImageError, RgbFrame};
