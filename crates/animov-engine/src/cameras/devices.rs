//! What a camera can be on this machine: its USB (V4L2) cameras with their
//! names, and the video files uploaded into the data folder.

use std::path::{Path, PathBuf};

use animov_api::VideoDevice;

/// The capture devices of `sys` (`/sys/class/video4linux`) whose node exists
/// under `dev` (`/dev`): one per camera (metadata nodes left out), by path.
pub fn video_devices(sys: &Path, dev: &Path) -> Vec<VideoDevice> {
    let Ok(entries) = std::fs::read_dir(sys) else {
        return Vec::new();
    };
    let mut out: Vec<VideoDevice> = entries
        .flatten()
        .filter_map(|e| {
            let node = e.file_name().to_str()?.to_string();
            node.strip_prefix("video")?.parse::<u32>().ok()?;
            let read = |f: &str| std::fs::read_to_string(e.path().join(f)).ok();
            // A camera's second node (index 1) carries metadata, not pictures.
            if read("index").is_some_and(|i| i.trim() != "0") {
                return None;
            }
            let path = dev.join(&node);
            path.exists().then(|| VideoDevice {
                path: path.display().to_string(),
                name: read("name")
                    .map(|n| n.trim().to_string())
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| node.clone()),
            })
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// The folder of uploaded video files.
pub fn videos_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("videos")
}

/// A safe file name for an upload: letters, digits, `-`, `_`, `.`; no
/// leading dot; the extension kept. `None` when nothing is left.
pub fn upload_name(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let clean: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let clean = clean
        .trim_start_matches('.')
        .chars()
        .take(120)
        .collect::<String>();
    (!clean.is_empty() && clean.contains(|c: char| c.is_ascii_alphanumeric())).then_some(clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usb_cameras_are_listed_by_name_without_their_metadata_nodes() {
        let root = tempfile::tempdir().unwrap();
        let (sys, dev) = (root.path().join("sys"), root.path().join("dev"));
        for (node, index, name) in [
            ("video0", "0", "HD Webcam C270\n"),
            ("video1", "1", "HD Webcam C270\n"),
            ("video2", "0", ""),
        ] {
            std::fs::create_dir_all(sys.join(node)).unwrap();
            std::fs::write(sys.join(node).join("index"), index).unwrap();
            std::fs::write(sys.join(node).join("name"), name).unwrap();
        }
        std::fs::create_dir_all(sys.join("vbi0")).unwrap();
        std::fs::create_dir_all(&dev).unwrap();
        for node in ["video0", "video1", "video2"] {
            std::fs::write(dev.join(node), "").unwrap();
        }
        let found = video_devices(&sys, &dev);
        let names: Vec<&str> = found.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["HD Webcam C270", "video2"]);
        assert!(found[0].path.ends_with("dev/video0"));
        assert!(video_devices(&root.path().join("none"), &dev).is_empty());
    }

    #[test]
    fn uploaded_names_are_made_safe() {
        assert_eq!(upload_name("pen 1.mp4").as_deref(), Some("pen_1.mp4"));
        assert_eq!(upload_name("../../etc/passwd").as_deref(), Some("passwd"));
        assert_eq!(
            upload_name("C:\\videos\\barn.mkv").as_deref(),
            Some("barn.mkv")
        );
        assert_eq!(upload_name(".hidden.mp4").as_deref(), Some("hidden.mp4"));
        assert_eq!(upload_name("..").as_deref(), None);
        assert_eq!(upload_name("").as_deref(), None);
    }
}
