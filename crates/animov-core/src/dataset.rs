//! Datasets for retraining, pure: which analysed frames a sample takes, and
//! the YOLO and COCO forms of the boxes.
//!
//! YOLO: one `images/<name>.jpg` and one `labels/<name>.txt` per frame, a line
//! `class cx cy w h` per box with the centre and size divided by the
//! picture's width and height, and `data.yaml` naming the classes. COCO: one
//! `annotations.json` with `images`, `annotations` (`bbox` = `[x, y, w, h]` in
//! pixels, `category_id` from 1) and `categories`.

use animov_api::{DATASET_CLASSES, DatasetFrame, GroundBox};
use serde::Serialize;

/// The dataset class of a detector's class name: standing 0, lying 1, any
/// other (posture unknown) 2.
pub fn class_of(name: &str) -> u8 {
    match name {
        "standing" => 0,
        "lying" => 1,
        _ => 2,
    }
}

/// The analysed frames (`(ts_ms, goats counted)`, oldest first) a sample may
/// take: those inside a recording (`recorded`, spans `[start, end)`) and that
/// `keep` accepts.
pub fn candidates(
    frames: &[(i64, i64)],
    recorded: &[(i64, i64)],
    keep: impl Fn(i64, i64) -> bool,
) -> Vec<i64> {
    frames
        .iter()
        .filter(|(ts, _)| recorded.iter().any(|(a, b)| a <= ts && ts < b))
        .filter(|(ts, total)| keep(*ts, *total))
        .map(|(ts, _)| *ts)
        .collect()
}

/// `count` of `candidates` spread evenly (all of them when there are fewer).
pub fn spread(candidates: &[i64], count: usize) -> Vec<i64> {
    let n = candidates.len();
    if count >= n {
        return candidates.to_vec();
    }
    (0..count)
        .map(|i| candidates[((2 * i + 1) * n) / (2 * count)])
        .collect()
}

/// Whether `ts` lies in one of `spans` (`[start, end]`).
pub fn within(spans: &[(i64, i64)], ts: i64) -> bool {
    spans.iter().any(|(a, b)| *a <= ts && ts <= *b)
}

/// A frame's YOLO label file.
pub fn yolo_label(boxes: &[GroundBox], width: u32, height: u32) -> String {
    let (w, h) = (f64::from(width.max(1)), f64::from(height.max(1)));
    boxes
        .iter()
        .map(|b| {
            format!(
                "{} {:.6} {:.6} {:.6} {:.6}\n",
                b.class,
                (b.x + b.w / 2.0) / w,
                (b.y + b.h / 2.0) / h,
                b.w / w,
                b.h / h
            )
        })
        .collect()
}

/// The YOLO `data.yaml` for a dataset unpacked where it is.
pub fn yolo_data_yaml() -> String {
    let names: String = DATASET_CLASSES
        .iter()
        .enumerate()
        .map(|(i, n)| format!("  {i}: {n}\n"))
        .collect();
    format!(
        "# AniMOV dataset: ground truth checked in the box editor (or the detector's boxes when exported unchecked)\n\
         path: .\ntrain: images\nval: images\nnc: {}\nnames:\n{names}",
        DATASET_CLASSES.len()
    )
}

/// The file name of a frame in an export: `<source>_<ts_ms>`.
pub fn export_name(frame: &DatasetFrame) -> String {
    let source: String = frame
        .source
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{source}_{}", frame.ts_ms)
}

/// A COCO `annotations.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coco {
    /// About the export.
    pub info: CocoInfo,
    /// The pictures.
    pub images: Vec<CocoImage>,
    /// The boxes.
    pub annotations: Vec<CocoAnnotation>,
    /// The classes.
    pub categories: Vec<CocoCategory>,
}

/// COCO `info`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CocoInfo {
    /// What it is.
    pub description: String,
    /// When, ISO 8601.
    pub date_created: String,
}

/// COCO image.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CocoImage {
    /// Id (the dataset frame's).
    pub id: i64,
    /// `images/<name>.jpg`.
    pub file_name: String,
    /// Width, pixels.
    pub width: u32,
    /// Height, pixels.
    pub height: u32,
}

/// COCO annotation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CocoAnnotation {
    /// Id, from 1.
    pub id: u64,
    /// The image's id.
    pub image_id: i64,
    /// Class, from 1.
    pub category_id: u32,
    /// `[x, y, w, h]` in pixels.
    pub bbox: [f64; 4],
    /// `w × h`.
    pub area: f64,
    /// Always 0.
    pub iscrowd: u8,
}

/// COCO category.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CocoCategory {
    /// Id, from 1.
    pub id: u32,
    /// `standing`, `lying`, `goat`.
    pub name: String,
    /// `goat`.
    pub supercategory: String,
}

/// The COCO form of `frames`, whose pictures are `images/<export_name>.jpg`.
pub fn coco(frames: &[DatasetFrame], date_created: String) -> Coco {
    let mut annotations = Vec::new();
    for f in frames {
        for b in &f.boxes {
            annotations.push(CocoAnnotation {
                id: annotations.len() as u64 + 1,
                image_id: f.id,
                category_id: u32::from(b.class) + 1,
                bbox: [b.x, b.y, b.w, b.h],
                area: b.w * b.h,
                iscrowd: 0,
            });
        }
    }
    Coco {
        info: CocoInfo {
            description: "AniMOV goat dataset".into(),
            date_created,
        },
        images: frames
            .iter()
            .map(|f| CocoImage {
                id: f.id,
                file_name: format!("images/{}.jpg", export_name(f)),
                width: f.width,
                height: f.height,
            })
            .collect(),
        annotations,
        categories: DATASET_CLASSES
            .iter()
            .zip(1..)
            .map(|(n, id)| CocoCategory {
                id,
                name: (*n).to_string(),
                supercategory: "goat".into(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sample_takes_recorded_frames_spread_over_the_span() {
        let frames: Vec<(i64, i64)> = (0..100)
            .map(|i| (i * 10, if i % 10 == 0 { 5 } else { 6 }))
            .collect();
        // Recorded from 100 to 600 ms only.
        let c = candidates(&frames, &[(100, 600)], |_, _| true);
        assert_eq!((c.len(), c[0], *c.last().unwrap()), (50, 100, 590));
        let s = spread(&c, 5);
        assert_eq!(s, vec![150, 250, 350, 450, 550]);
        assert_eq!(spread(&c[..3], 5), c[..3].to_vec());
        // Where the count is not the herd of 6.
        let d = candidates(&frames, &[(0, 1000)], |_, total| total != 6);
        assert_eq!(d, (0..10).map(|i| i * 100).collect::<Vec<_>>());
        assert!(within(&[(10, 20)], 20) && !within(&[(10, 20)], 21));
    }

    fn frame() -> DatasetFrame {
        DatasetFrame {
            id: 7,
            source: "pen 1/a".into(),
            ts_ms: 1_000,
            width: 200,
            height: 100,
            boxes: vec![
                GroundBox {
                    x: 10.0,
                    y: 20.0,
                    w: 40.0,
                    h: 20.0,
                    class: 1,
                },
                GroundBox {
                    x: 0.0,
                    y: 0.0,
                    w: 200.0,
                    h: 100.0,
                    class: 0,
                },
            ],
            origin: "range".into(),
            reviewed_by: None,
            reviewed_ms: None,
            created_ms: 0,
        }
    }

    #[test]
    fn yolo_labels_are_centres_and_sizes_over_the_picture() {
        let f = frame();
        assert_eq!(
            yolo_label(&f.boxes, f.width, f.height),
            "1 0.150000 0.300000 0.200000 0.200000\n0 0.500000 0.500000 1.000000 1.000000\n"
        );
        assert_eq!(export_name(&f), "pen_1_a_1000");
        let y = yolo_data_yaml();
        assert!(y.contains("nc: 3") && y.contains("  1: lying"), "{y}");
    }

    #[test]
    fn coco_numbers_boxes_and_classes_from_one() {
        let c = coco(&[frame()], "2026-12-02T00:00:00Z".into());
        assert_eq!(c.images[0].file_name, "images/pen_1_a_1000.jpg");
        assert_eq!(c.annotations.len(), 2);
        assert_eq!(c.annotations[0].id, 1);
        assert_eq!(c.annotations[0].category_id, 2);
        assert_eq!(c.annotations[0].bbox, [10.0, 20.0, 40.0, 20.0]);
        assert_eq!(c.annotations[0].area, 800.0);
        assert_eq!(c.categories[2].name, "goat");
        assert_eq!(class_of("lying"), 1);
        assert_eq!(class_of("goat"), 2);
    }
}
