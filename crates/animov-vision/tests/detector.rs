//! The ONNX detector end to end: a tiny model with known outputs (golden
//! decode + NMS + letterbox mapping), the bundled detector on real photos that
//! ship with scikit-image (CC0 / public domain, copied in tests/fixtures), and
//! the messages of what can go wrong.

use std::path::{Path, PathBuf};

use animov_core::{analysis::Role, geometry::BBox};
use animov_vision::{Detect, DetectError, Detector, RgbFrame, Tiling};

fn fixture(name: &str) -> PathBuf {
    Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo test"))
        .join("tests/fixtures")
        .join(name)
}

fn bundled() -> PathBuf {
    Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo test"))
        .join("../../models/nanodet.onnx")
}

fn close(a: BBox, b: BBox) -> bool {
    [(a.x, b.x), (a.y, b.y), (a.w, b.w), (a.h, b.h)]
        .iter()
        .all(|(p, q)| (p - q).abs() < 1e-3)
}

#[test]
fn golden_decode_nms_and_letterbox_mapping() {
    let mut d = Detector::load(&fixture("tiny_yolo.onnx"), 1).unwrap();
    // 64×32 into 32×32: scale 0.5, 8 rows of padding above and below.
    let frame = RgbFrame::new(64, 32, vec![128; 64 * 32 * 3]).unwrap();
    let dets = d.detect(&frame).unwrap();
    assert_eq!(dets.len(), 2, "{dets:?}");
    assert_eq!(
        (dets[0].class.as_str(), dets[0].role, dets[0].score),
        ("goat_standing", Role::Standing, 0.9)
    );
    assert!(
        close(
            dets[0].bbox,
            BBox {
                x: 12.0,
                y: 0.0,
                w: 16.0,
                h: 16.0
            }
        ),
        "{:?}",
        dets[0].bbox
    );
    assert_eq!(
        (dets[1].class.as_str(), dets[1].role),
        ("person", Role::Ignore)
    );
    // Clamped to the frame's bottom edge.
    assert!(
        close(
            dets[1].bbox,
            BBox {
                x: 42.0,
                y: 28.0,
                w: 12.0,
                h: 4.0
            }
        ),
        "{:?}",
        dets[1].bbox
    );
    assert!(d.has_posture_classes());
}

#[test]
fn bundled_detector_finds_the_cat_with_a_sensible_box() {
    let mut d = Detector::load(&bundled(), 1).unwrap();
    let frame = RgbFrame::open(&fixture("chelsea.png")).unwrap();
    let dets = d.detect(&frame).unwrap();
    // Counted at the default camera threshold (0.35); weaker boxes only continue tracks.
    let animals: Vec<_> = dets
        .iter()
        .filter(|d| d.role == Role::Animal && d.score >= 0.35)
        .collect();
    assert_eq!(animals.len(), 1, "{dets:?}");
    let cat = animals[0];
    assert_eq!(cat.class, "cat");
    assert!(cat.score > 0.5, "{cat:?}");
    // Chelsea fills most of the 451×300 photo; her head is left of centre.
    let truth = BBox {
        x: 0.0,
        y: 0.0,
        w: 451.0,
        h: 300.0,
    };
    assert!(cat.bbox.iou(&truth) > 0.7, "{:?}", cat.bbox);
    // Tiling must not invent a second cat.
    let tiled = d
        .detect_tiled(
            &frame,
            Tiling {
                cols: 2,
                rows: 1,
                overlap_pct: 25,
            },
        )
        .unwrap();
    assert_eq!(
        tiled
            .iter()
            .filter(|d| d.role == Role::Animal && d.score >= 0.35)
            .count(),
        1,
        "{tiled:?}"
    );
}

#[test]
fn bundled_detector_sees_no_animal_on_a_person() {
    let mut d = Detector::load(&bundled(), 2).unwrap();
    let frame = RgbFrame::open(&fixture("astronaut.jpg")).unwrap();
    let dets = d.detect(&frame).unwrap();
    assert!(
        dets.iter()
            .all(|d| d.role != Role::Animal || d.score < 0.35),
        "{dets:?}"
    );
    assert!(
        dets.iter().any(|d| d.class == "person" && d.score > 0.5),
        "{dets:?}"
    );
}

#[test]
fn runs_after_the_first_see_each_frame_afresh() {
    // The first run lets ONNX Runtime allocate the outputs; later runs write
    // into the same tensors: every run must still see its own frame.
    let cat = RgbFrame::open(&fixture("chelsea.png")).unwrap();
    let person = RgbFrame::open(&fixture("astronaut.jpg")).unwrap();
    let alone = |frame: &RgbFrame| {
        let mut d = Detector::load(&bundled(), 1).unwrap();
        d.detect(frame).unwrap()
    };
    let (cat_alone, person_alone) = (alone(&cat), alone(&person));
    assert_ne!(cat_alone, person_alone);
    let mut d = Detector::load(&bundled(), 1).unwrap();
    for _ in 0..2 {
        assert_eq!(d.detect(&cat).unwrap(), cat_alone);
        assert_eq!(d.detect(&person).unwrap(), person_alone);
    }
}

#[test]
fn a_model_whose_outputs_change_shape_keeps_working() {
    // Dark pictures give 2 anchors (one box), bright ones 4 (two boxes): the
    // outputs kept from the first run no longer fit, and fresh ones are used.
    let mut d = Detector::load(&fixture("shifting_yolo.onnx"), 1).unwrap();
    let dark = RgbFrame::new(32, 32, vec![0; 32 * 32 * 3]).unwrap();
    let bright = RgbFrame::new(32, 32, vec![255; 32 * 32 * 3]).unwrap();
    for _ in 0..2 {
        assert_eq!(d.detect(&dark).unwrap().len(), 1);
        assert_eq!(d.detect(&bright).unwrap().len(), 2);
    }
}

#[test]
fn missing_files_say_what_to_do() {
    let e = Detector::load(Path::new("/nonexistent/model.onnx"), 1).unwrap_err();
    assert!(matches!(e, DetectError::Spec(_)), "{e}");
    assert!(
        e.to_string().contains("model.json: No such file")
            && e.to_string().contains("its .json beside it"),
        "{e}"
    );
    let dir = tempfile::tempdir().unwrap();
    let onnx = dir.path().join("broken.onnx");
    std::fs::write(&onnx, b"not a model").unwrap();
    std::fs::copy(fixture("tiny_yolo.json"), dir.path().join("broken.json")).unwrap();
    let e = Detector::load(&onnx, 1).unwrap_err();
    assert!(e.to_string().contains("cannot load the model"), "{e}");
    let e = RgbFrame::open(&onnx).unwrap_err();
    assert!(e.to_string().contains("JPEG and PNG"), "{e}");
}
