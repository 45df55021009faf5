//! A camera's picture with every box the detector proposed, for setting a
//! camera up: testing an address before saving it, and tuning the region
//! of interest, the score threshold and the posture on the picture.

use serde::{Deserialize, Serialize};

use crate::CameraSettings;

/// `POST /api/v1/cameras/test` body (admin): an address to try, before
/// anything is saved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CameraTest {
    /// The address, as for a new camera. A password shown as `•••` is the
    /// one stored for `source`.
    pub uri: String,
    /// The camera being edited, if any (its stored password and settings are used).
    #[serde(default)]
    pub source: Option<String>,
}

/// `POST /api/v1/cameras/{source}/preview` body: settings to try on the
/// camera's newest picture, without saving them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PreviewRequest {
    /// The settings to apply.
    pub settings: CameraSettings,
}

/// One box the detector proposed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CandidateBox {
    /// Left edge, pixels.
    pub x: f32,
    /// Top edge, pixels.
    pub y: f32,
    /// Width, pixels.
    pub w: f32,
    /// Height, pixels.
    pub h: f32,
    /// Confidence.
    pub score: f32,
    /// `standing`, `lying` or `unknown` (from the model's class or the camera's posture rule).
    pub posture: String,
    /// Counted with the settings applied (score, size, region of interest).
    pub counted: bool,
}

/// A picture and what the camera's settings count on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CameraPicture {
    /// Picture width.
    pub width: u32,
    /// Picture height.
    pub height: u32,
    /// The picture, JPEG in base64 (for `data:image/jpeg;base64,...`).
    pub jpeg_base64: String,
    /// Capture time, UTC ms.
    pub ts_ms: i64,
    /// Every box the detector proposed (classes it ignores left out).
    pub boxes: Vec<CandidateBox>,
    /// Standing animals counted.
    pub standing: u32,
    /// Lying animals counted.
    pub lying: u32,
    /// Counted animals of undecided posture.
    pub unknown: u32,
    /// The detector that saw them.
    pub detector: String,
    /// Time to grab and analyse the picture, ms.
    pub elapsed_ms: u64,
}

/// Why a camera test found no picture: `code` says what kind of problem,
/// `detail` what the camera or GStreamer said (passwords hidden).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CameraProblem {
    /// Nothing answers at that host and port.
    Unreachable,
    /// The camera refused the user name or password.
    WrongCredentials,
    /// No such device or file, or no such stream path on the camera.
    NotFound,
    /// The stream's format cannot be decoded.
    UnsupportedCodec,
    /// No picture came within the time allowed.
    Timeout,
    /// The detector could not run.
    Detector,
    /// The disk is full: recording stopped, counting goes on.
    DiskFull,
    /// Something else.
    Other,
}

crate::names::names!(CameraProblem, "camera problem" {
    Unreachable => "unreachable",
    WrongCredentials => "wrong_credentials",
    NotFound => "not_found",
    UnsupportedCodec => "unsupported_codec",
    Timeout => "timeout",
    Detector => "detector",
    DiskFull => "disk_full",
    Other => "other",
});

impl CameraProblem {
    /// What to tell the farmer, in French and English.
    pub fn label(self) -> crate::Label {
        use crate::Label;
        match self {
            CameraProblem::Unreachable => Label {
                fr: "La caméra ne répond pas : vérifiez l'adresse, le port, le câble réseau et qu'elle est allumée.",
                en: "The camera does not answer: check the address, the port, the network cable and that it is powered.",
            },
            CameraProblem::WrongCredentials => Label {
                fr: "La caméra refuse l'identifiant ou le mot de passe : vérifiez-les dans l'adresse (rtsp://utilisateur:motdepasse@...).",
                en: "The camera refuses the user name or password: check them in the address (rtsp://user:password@...).",
            },
            CameraProblem::NotFound => Label {
                fr: "Rien à cette adresse : vérifiez le chemin du flux (voir la notice de la caméra), le périphérique ou le fichier.",
                en: "Nothing at that address: check the stream path (see the camera's manual), the device or the file.",
            },
            CameraProblem::UnsupportedCodec => Label {
                fr: "Le format vidéo de la caméra n'est pas lisible : choisissez H.264, H.265 ou MJPEG dans ses réglages.",
                en: "The camera's video format cannot be read: choose H.264, H.265 or MJPEG in its settings.",
            },
            CameraProblem::Timeout => Label {
                fr: "Aucune image reçue à temps : la caméra est peut-être lente ou le réseau saturé ; réessayez.",
                en: "No picture arrived in time: the camera may be slow or the network busy; try again.",
            },
            CameraProblem::Detector => Label {
                fr: "L'image est arrivée mais le détecteur n'a pas pu l'analyser : vérifiez le modèle choisi.",
                en: "The picture arrived but the detector could not analyse it: check the chosen model.",
            },
            CameraProblem::DiskFull => Label {
                fr: "Le disque est plein : l'enregistrement vidéo est arrêté, le comptage continue. Libérez de la place ou réduisez la durée de conservation (page Stockage) ; il reprend seul.",
                en: "The disk is full: video recording stopped, counting goes on. Free some space or shorten retention (Storage page); it resumes by itself.",
            },
            CameraProblem::Other => Label {
                fr: "La caméra n'a pas pu être ouverte (détail ci-dessous).",
                en: "The camera could not be opened (details below).",
            },
        }
    }
}

/// A USB (V4L2) camera of the machine (`GET /api/v1/cameras/devices`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VideoDevice {
    /// Its address, e.g. `/dev/video0`.
    pub path: String,
    /// Its name, e.g. `HD Webcam C270`.
    pub name: String,
}

/// An uploaded video file (`POST /api/v1/videos`): use `path` as a camera's address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UploadedVideo {
    /// Where it is on the barn PC.
    pub path: String,
    /// Its size, bytes.
    pub bytes: u64,
}

/// A detector the cameras can use (`GET /api/v1/detectors`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DetectorInfo {
    /// Short name (the folder it lives in; `default` for the bundled one).
    pub name: String,
    /// Its description's display name.
    pub title: String,
    /// The `.onnx` file (what a camera's `model` setting names).
    pub path: String,
    /// Output layout (`yolov8`, `nanodet`...).
    pub format: String,
    /// Input size `[width, height]`.
    pub input: [u32; 2],
    /// Class names, in output order.
    pub classes: Vec<String>,
    /// Classes counted as animals (posture from the box), or standing or lying goats.
    pub counted_classes: Vec<String>,
    /// Shipped with AniMOV (cannot be removed).
    pub bundled: bool,
    /// Who imported it.
    pub imported_by: Option<String>,
    /// When, UTC ms.
    pub imported_ms: Option<i64>,
    /// Where it comes from, and its licence, as its description says.
    pub provenance: Option<String>,
    /// Cameras that use it.
    pub used_by: Vec<String>,
}
