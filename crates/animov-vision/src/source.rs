//! Camera addresses: what a user types, parsed into what capture opens.

use std::path::Path;

use gstreamer as gst;

/// Where a camera's pictures come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A URI GStreamer opens (`rtsp://`, `http(s)://`, `file://`, `v4l2://`).
    Uri(String),
    /// A moving test pattern (`testsrc:`).
    TestPattern,
    /// A simulated barn (`demo:` or `demo:N`), rendered by [`crate::scene`].
    Demo(u32),
}

/// A camera URL that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "camera address {url:?} is not supported: {reason} (use rtsp://, http(s)://, /dev/videoN, a video file, or demo:)"
)]
pub struct SourceError {
    /// The address.
    pub url: String,
    /// Why.
    pub reason: String,
}

impl Source {
    /// Parses a camera address.
    pub fn parse(url: &str) -> Result<Source, SourceError> {
        let err = |reason: &str| SourceError {
            url: animov_core::camera_uri::masked(url),
            reason: reason.into(),
        };
        let u = url.trim();
        if u.is_empty() {
            return Err(err("it is empty"));
        }
        // GStreamer and GLib take C strings: a NUL inside would stop them
        // (found by fuzzing: a panic in GLib), other control characters are
        // never part of an address.
        if u.chars().any(char::is_control) {
            return Err(err(
                "it holds a control character (a line break, a tab, a NUL...): type it again",
            ));
        }
        if let Some(rest) = u.strip_prefix("demo:") {
            return if rest.is_empty() {
                Ok(Source::Demo(0))
            } else {
                rest.parse()
                    .map(Source::Demo)
                    .map_err(|_| err("demo: takes a number (demo:0, demo:1, ...)"))
            };
        }
        if u == "testsrc:" {
            return Ok(Source::TestPattern);
        }
        for scheme in [
            "rtsp://", "rtsps://", "http://", "https://", "file://", "v4l2://",
        ] {
            if u.starts_with(scheme) {
                return if u.len() > scheme.len() {
                    Ok(Source::Uri(u.into()))
                } else {
                    Err(err("the address has no host or path"))
                };
            }
        }
        if u.starts_with("/dev/video") {
            return Ok(Source::Uri(format!("v4l2://{u}")));
        }
        if u.contains("://") {
            return Err(err("unknown scheme"));
        }
        let path = Path::new(u);
        let abs = if path.is_absolute() {
            path.to_path_buf()
        } else {
            std::env::current_dir()
                .map(|d| d.join(path))
                .unwrap_or_else(|_| path.to_path_buf())
        };
        gst::glib::filename_to_uri(&abs, None)
            .map(|s| Source::Uri(s.to_string()))
            .map_err(|e| err(&e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_camera_addresses() {
        assert_eq!(Source::parse("demo:"), Ok(Source::Demo(0)));
        assert_eq!(Source::parse("demo:3"), Ok(Source::Demo(3)));
        assert!(Source::parse("demo:x").is_err());
        // Found by fuzzing (fuzz/regressions/camera_address): GLib panicked on the NUL.
        for bad in [
            "de:mo\0r\u{12}:1",
            "/videos/pen\0.mkv",
            "rtsp://cam/\nstream",
        ] {
            let e = Source::parse(bad).unwrap_err();
            assert!(e.reason.contains("control character"), "{bad:?}: {e:?}");
        }
        assert_eq!(Source::parse("testsrc:"), Ok(Source::TestPattern));
        assert_eq!(
            Source::parse("rtsp://cam.local/stream1"),
            Ok(Source::Uri("rtsp://cam.local/stream1".into()))
        );
        assert_eq!(
            Source::parse("/dev/video0"),
            Ok(Source::Uri("v4l2:///dev/video0".into()))
        );
        assert_eq!(
            Source::parse("/srv/pen.mkv"),
            Ok(Source::Uri("file:///srv/pen.mkv".into()))
        );
        let e = Source::parse("ftp://x/y").unwrap_err().to_string();
        assert!(e.contains("unknown scheme") && e.contains("rtsp://"), "{e}");
        assert!(Source::parse("rtsp://").is_err());
        assert!(Source::parse("  ").is_err());
    }
}
