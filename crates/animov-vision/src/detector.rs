//! ONNX Runtime detection: load a model and its sidecar, run frames through
//! preprocess → session → decode → NMS, boxes back in frame pixels.

use std::{
    path::{Path, PathBuf},
    sync::OnceLock,
};

use animov_core::{
    analysis::{RawDetection, Role},
    geometry::{BBox, Scored, nms},
};
use ort::{
    environment::Environment,
    memory::Allocator,
    session::{
        HasSelectedOutputs, OutputSelector, RunOptions, Session, builder::GraphOptimizationLevel,
    },
    value::{Shape, Tensor, TensorRef},
};

use crate::{
    decode::{DecodeError, OutputView, decode},
    frame::RgbFrame,
    preprocess::preprocess,
    spec::{ModelSpec, SpecError},
};

/// The ONNX Runtime version the setup step installs (PyPI `onnxruntime` wheel).
pub const ORT_VERSION: &str = "1.24.4";

/// Why detection cannot run.
#[derive(Debug, thiserror::Error)]
pub enum DetectError {
    /// The ONNX Runtime library is missing or unusable.
    #[error(
        "ONNX Runtime is not available: {0}. Install it with `bash scripts/onnxruntime.sh` (the setup step does), or set ORT_DYLIB_PATH to a libonnxruntime.so.1.24 or newer"
    )]
    Runtime(RuntimeError),
    /// The sidecar is missing or wrong.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// The model file cannot be loaded.
    #[error(
        "cannot load the model {path}: {message} (is it an ONNX file? re-import it or restore models/)"
    )]
    Model {
        /// File.
        path: String,
        /// Cause.
        message: String,
    },
    /// Inference failed.
    #[error("inference failed: {0}")]
    Inference(String),
    /// The outputs do not match the sidecar.
    #[error(transparent)]
    Decode(#[from] DecodeError),
}

/// Why the ONNX Runtime library cannot be used (kept for the whole process:
/// it is loaded once).
#[derive(Debug, Clone, thiserror::Error)]
pub enum RuntimeError {
    /// None of the places searched holds it.
    #[error("no library at {0}")]
    NotFound(String),
    /// It is there but will not load or start.
    #[error("{path}: {reason}")]
    Unusable {
        /// The library.
        path: String,
        /// ONNX Runtime's reason.
        reason: String,
    },
}

static RUNTIME: OnceLock<Result<Environment, RuntimeError>> = OnceLock::new();
static PREFERRED: OnceLock<PathBuf> = OnceLock::new();

/// Names the library to try first (after `ORT_DYLIB_PATH`): the engine's
/// `vision.onnxruntime` setting, or the copy a desktop package ships. Only the
/// first call counts, and only before the first detector loads.
pub fn prefer_library(path: PathBuf) {
    let _ = PREFERRED.set(path);
}

/// Where the ONNX Runtime library is looked for, in order: `ORT_DYLIB_PATH`,
/// the [`prefer_library`] path, the setup step's folder (`$ANIMOV_ORT_DIR` or `~/.cache/animov/onnxruntime-<version>`),
/// beside the executable (`lib/`, then `../lib/animov/` as the .deb lays it
/// out), and `/usr/lib/animov/`.
pub fn library_candidates() -> Vec<PathBuf> {
    let file = format!("libonnxruntime.so.{ORT_VERSION}");
    let mut c = Vec::new();
    if let Some(p) = std::env::var_os("ORT_DYLIB_PATH") {
        c.push(PathBuf::from(p));
        return c;
    }
    if let Some(p) = PREFERRED.get() {
        c.push(p.clone());
    }
    if let Some(d) = std::env::var_os("ANIMOV_ORT_DIR") {
        c.push(PathBuf::from(d).join(&file));
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")));
    if let Some(cache) = cache {
        c.push(
            cache
                .join(format!("animov/onnxruntime-{ORT_VERSION}"))
                .join(&file),
        );
    }
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        c.push(dir.join("lib").join(&file));
        // The .deb: /usr/bin/animov → /usr/lib/animov/ (also when extracted elsewhere).
        c.push(dir.join("../lib/animov").join(&file));
    }
    c.push(PathBuf::from("/usr/lib/animov").join(&file));
    c
}

/// The process-wide ONNX Runtime environment, loading the library on first use.
pub fn runtime() -> Result<&'static Environment, DetectError> {
    RUNTIME
        .get_or_init(|| {
            let candidates = library_candidates();
            let Some(path) = candidates.iter().find(|p| p.is_file()) else {
                return Err(RuntimeError::NotFound(
                    candidates
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                ));
            };
            tracing::info!(library = %path.display(), "loading ONNX Runtime");
            let unusable = |e: &dyn std::fmt::Display| RuntimeError::Unusable {
                path: path.display().to_string(),
                reason: e.to_string(),
            };
            ort::init_from(path)
                .map_err(|e| unusable(&e))?
                .with_name("animov")
                .build()
                .map_err(|e| unusable(&e))
        })
        .as_ref()
        .map_err(|e| DetectError::Runtime(e.clone()))
}

/// How a large frame is cut into overlapping tiles (crowded pens, small animals).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tiling {
    /// Columns.
    pub cols: u32,
    /// Rows.
    pub rows: u32,
    /// Overlap between neighbouring tiles, percent of a tile.
    pub overlap_pct: u32,
}

impl Tiling {
    /// The tiles of a `w × h` frame: (x, y, width, height).
    pub fn tiles(&self, w: u32, h: u32) -> Vec<(u32, u32, u32, u32)> {
        let cols = self.cols.max(1);
        let rows = self.rows.max(1);
        let f = 1.0 + self.overlap_pct.min(90) as f32 / 100.0;
        let tw = ((w as f32 / cols as f32) * f).ceil().min(w as f32) as u32;
        let th = ((h as f32 / rows as f32) * f).ceil().min(h as f32) as u32;
        let mut out = Vec::new();
        for r in 0..rows {
            for c in 0..cols {
                let x = if cols == 1 {
                    0
                } else {
                    (w - tw) * c / (cols - 1)
                };
                let y = if rows == 1 {
                    0
                } else {
                    (h - th) * r / (rows - 1)
                };
                out.push((x, y, tw, th));
            }
        }
        out
    }
}

/// Anything that turns a frame into boxes (the ONNX detector, or a fake in tests and the demo).
pub trait Detect: Send {
    /// Boxes of one frame, in frame pixels, after NMS.
    fn detect(&mut self, frame: &RgbFrame) -> Result<Vec<RawDetection>, DetectError>;
    /// Whether the detector itself tells standing from lying.
    fn has_posture_classes(&self) -> bool;
}

/// Options of every run: `outputs`, and the arena gives back what a run
/// took once the run is over (the intermediate tensors of a 416×416 NanoDet,
/// about 7 MB per detector, held between frames otherwise; no slower:
/// `examples/detector_memory.rs`, 59.4 → 52.7 MiB, 67 ms a run).
fn run_options(outputs: OutputSelector) -> ort::Result<RunOptions<HasSelectedOutputs>> {
    let mut options = RunOptions::new()?;
    options.set("memory.enable_memory_arena_shrinkage", "cpu:0")?;
    Ok(options.with_outputs(outputs))
}

/// Who allocates a run's outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outputs {
    /// ONNX Runtime, until a run has shown their shapes.
    Pending,
    /// Tensors allocated once, of the shapes of the first run.
    Reused,
    /// ONNX Runtime, every run: the shapes change from run to run (a model
    /// whose outputs depend on what it sees).
    Fresh,
}

/// A loaded ONNX detector.
pub struct Detector {
    spec: ModelSpec,
    roles: Vec<Role>,
    session: Session,
    run_options: RunOptions<HasSelectedOutputs>,
    outputs: Outputs,
    input_name: String,
    input: Vec<f32>,
    path: PathBuf,
}

impl std::fmt::Debug for Detector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Detector")
            .field("model", &self.spec.name)
            .field("path", &self.path)
            .finish()
    }
}

impl Detector {
    /// Loads `model.onnx` and its `model.json`, with `threads` intra-op threads.
    #[tracing::instrument(skip_all, fields(model = %onnx.display()))]
    pub fn load(onnx: &Path, threads: usize) -> Result<Detector, DetectError> {
        let spec = ModelSpec::for_model(onnx)?;
        Detector::with_spec(onnx, spec, threads)
    }

    /// Loads `onnx` described by `spec`.
    pub fn with_spec(
        onnx: &Path,
        spec: ModelSpec,
        threads: usize,
    ) -> Result<Detector, DetectError> {
        let env = runtime()?;
        let model_err = |e: ort::Error| DetectError::Model {
            path: onnx.display().to_string(),
            message: e.to_string(),
        };
        if !onnx.is_file() {
            return Err(DetectError::Model {
                path: onnx.display().to_string(),
                message: "no such file".into(),
            });
        }
        let session = Session::builder(env)
            .map_err(model_err)?
            .with_optimization_level(GraphOptimizationLevel::Level3)
            .map_err(|e| model_err(e.into()))?
            .with_intra_threads(threads.max(1))
            .map_err(|e| model_err(e.into()))?
            .with_inter_threads(1)
            .map_err(|e| model_err(e.into()))?
            // No memory pattern: ONNX Runtime would keep one block planned
            // for every intermediate tensor at once. Without it the arena
            // reuses freed ones: 15 MB less resident for the bundled
            // NanoDet, no slower (`examples/detector_memory.rs`).
            .with_memory_pattern(false)
            .map_err(|e| model_err(e.into()))?
            .commit_from_file(onnx)
            .map_err(model_err)?;
        let input_name = session
            .inputs()
            .first()
            .map(|i| i.name().to_string())
            .ok_or_else(|| DetectError::Model {
                path: onnx.display().to_string(),
                message: "the model has no input".into(),
            })?;
        Ok(Detector {
            roles: spec.class_roles(),
            spec,
            session,
            run_options: run_options(OutputSelector::default()).map_err(model_err)?,
            outputs: Outputs::Pending,
            input_name,
            input: Vec::new(),
            path: onnx.to_path_buf(),
        })
    }

    /// The sidecar.
    pub fn spec(&self) -> &ModelSpec {
        &self.spec
    }

    /// Runs the session on the tensor prepared by the last [`Detector::prepare`]
    /// and decodes it (input pixels, before NMS).
    pub fn infer(&mut self) -> Result<Vec<Scored>, DetectError> {
        let (w, h) = (
            self.spec.input.width as usize,
            self.spec.input.height as usize,
        );
        let tensor = TensorRef::from_array_view(([1usize, 3, h, w], &self.input[..]))
            .map_err(|e| DetectError::Inference(e.to_string()))?;
        let ran = self.session.run_with_options(
            ort::inputs![self.input_name.as_str() => tensor],
            &self.run_options,
        );
        if let Err(e) = &ran
            && self.outputs == Outputs::Reused
        {
            // Not the shapes of the first run: let ONNX Runtime allocate.
            tracing::debug!(error = %e, "the model's outputs change shape; not reused");
            drop(ran);
            self.outputs = Outputs::Fresh;
            self.run_options = run_options(OutputSelector::default())
                .map_err(|e| DetectError::Inference(e.to_string()))?;
            return self.infer();
        }
        let outputs = ran.map_err(|e| DetectError::Inference(e.to_string()))?;
        let mut shapes = Vec::new();
        let mut datas = Vec::new();
        for i in 0..outputs.len() {
            let (shape, data) = outputs[i].try_extract_tensor::<f32>().map_err(|e| {
                DetectError::Inference(format!("an output is not a float tensor: {e}"))
            })?;
            shapes.push(
                shape
                    .iter()
                    .map(|d| (*d).max(0) as usize)
                    .collect::<Vec<_>>(),
            );
            datas.push(data);
        }
        let views: Vec<OutputView<'_>> = shapes
            .iter()
            .zip(&datas)
            .map(|(s, d)| OutputView { shape: s, data: d })
            .collect();
        let decoded = decode(&self.spec, &views);
        // Names are read (and copied) on the first run only.
        let reuse = (self.outputs == Outputs::Pending && decoded.is_ok())
            .then(|| outputs.keys().map(str::to_string).collect::<Vec<_>>());
        drop(views);
        drop(datas);
        drop(outputs);
        if let Some(names) = reuse {
            self.reuse_outputs(&names, &shapes)
                .map_err(|e| DetectError::Inference(e.to_string()))?;
        }
        Ok(decoded?)
    }

    /// From now on the session writes into output tensors allocated once,
    /// of the shapes the first run gave (the input's shape never changes;
    /// should a model's outputs still change shape, it goes back to
    /// [`Outputs::Fresh`]).
    /// ort 2.0.0-rc.14 leaks the type description of every output it
    /// allocates itself (about 2 KB a NanoDet run: 0.9 MB a minute with four
    /// cameras at 2 frames/s — heaptrack, `bench/soak.sh`); outputs given
    /// to it are not described again, and not allocated every run.
    fn reuse_outputs(&mut self, names: &[String], shapes: &[Vec<usize>]) -> ort::Result<()> {
        let mut selector = OutputSelector::default();
        for (name, shape) in names.iter().zip(shapes) {
            let dims = shape.iter().map(|&d| d as i64).collect::<Vec<_>>();
            let tensor = Tensor::<f32>::new(&Allocator::default(), Shape::new(dims))?;
            selector = selector.preallocate(name.clone(), tensor);
        }
        self.run_options = run_options(selector)?;
        self.outputs = Outputs::Reused;
        Ok(())
    }

    /// Letterboxes and normalises `frame` into the input tensor.
    pub fn prepare(&mut self, frame: &RgbFrame) -> crate::preprocess::Letterbox {
        preprocess(frame, &self.spec.input, &mut self.input)
    }

    fn detect_region(
        &mut self,
        frame: &RgbFrame,
        ox: f32,
        oy: f32,
    ) -> Result<Vec<Scored>, DetectError> {
        let lb = self.prepare(frame);
        let raw = self.infer()?;
        Ok(raw
            .into_iter()
            .map(|mut s| {
                let b = lb
                    .to_frame(s.bbox)
                    .clamp(frame.width() as f32, frame.height() as f32);
                s.bbox = BBox {
                    x: b.x + ox,
                    y: b.y + oy,
                    ..b
                };
                s
            })
            .collect())
    }

    fn finish(&self, boxes: Vec<Scored>) -> Vec<RawDetection> {
        let boxes: Vec<Scored> = boxes
            .into_iter()
            .filter(|s| s.bbox.w > 0.0 && s.bbox.h > 0.0)
            .collect();
        nms(boxes, self.spec.iou_threshold, self.spec.class_agnostic_nms)
            .into_iter()
            .map(|s| RawDetection {
                bbox: s.bbox,
                class_id: s.class_id,
                class: self.spec.classes[s.class_id].clone(),
                role: self.roles[s.class_id],
                score: s.score,
            })
            .collect()
    }

    /// Detects on each tile and on the whole frame, then merges with NMS.
    pub fn detect_tiled(
        &mut self,
        frame: &RgbFrame,
        tiling: Tiling,
    ) -> Result<Vec<RawDetection>, DetectError> {
        let mut all = self.detect_region(frame, 0.0, 0.0)?;
        for (x, y, w, h) in tiling.tiles(frame.width(), frame.height()) {
            let tile = frame.crop(x, y, w, h);
            all.extend(self.detect_region(&tile, x as f32, y as f32)?);
        }
        Ok(self.finish(all))
    }
}

impl Detect for Detector {
    #[tracing::instrument(level = "trace", skip_all)]
    fn detect(&mut self, frame: &RgbFrame) -> Result<Vec<RawDetection>, DetectError> {
        let raw = self.detect_region(frame, 0.0, 0.0)?;
        Ok(self.finish(raw))
    }

    fn has_posture_classes(&self) -> bool {
        self.spec.has_posture_classes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_cover_the_frame_with_overlap() {
        let t = Tiling {
            cols: 2,
            rows: 2,
            overlap_pct: 20,
        };
        let tiles = t.tiles(1920, 1080);
        assert_eq!(tiles.len(), 4);
        assert_eq!(tiles[0], (0, 0, 1152, 648));
        assert_eq!(tiles[3], (768, 432, 1152, 648));
        assert_eq!(
            Tiling {
                cols: 1,
                rows: 1,
                overlap_pct: 0
            }
            .tiles(640, 480),
            vec![(0, 0, 640, 480)]
        );
    }
}
