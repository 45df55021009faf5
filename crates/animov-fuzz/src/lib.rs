//! Fuzz targets: each reads arbitrary bytes the way AniMOV reads what
//! arrives from outside — an ingest body, a prototype (INRA) body with its
//! base64 pictures, an INRA CSV export, a forecast or alert series CSV, a
//! camera address, the configuration file, a model's description, a
//! model's outputs — and must answer with a value or an error, never a
//! panic, a hang or memory without bound. Where the reading promises more
//! (a password never shown, a time never in the future), the target checks
//! it too.
//!
//! cargo-fuzz runs them for long (`fuzz/`, `bash fuzz/run.sh`); `cargo test
//! -p animov-fuzz` runs each on its seeds and kept corpus (`fuzz/seeds/`, `fuzz/corpus/`)
//! and the inputs that once failed (`fuzz/regressions/<target>/`), plus a
//! few thousand mutations of them.

use std::{path::Path, sync::OnceLock};

use animov_core::camera_uri;
use animov_vision::{
    decode::{OutputView, decode},
    spec::ModelSpec,
};

/// A target: its name (its corpus folder) and what it runs on one input.
pub type Target = (&'static str, fn(&[u8]));

/// Every target.
pub const TARGETS: &[Target] = &[
    ("ingest_json", ingest_json),
    ("legacy_json", legacy_json),
    ("import_csv", import_csv),
    ("series_csv", series_csv),
    ("camera_address", camera_address),
    ("config_toml", config_toml),
    ("model_sidecar", model_sidecar),
    ("model_outputs", model_outputs),
];

/// "Now" for the targets that check times (2026-11-30).
const NOW_MS: i64 = 1_796_000_000_000;
/// How far ahead a frame may be.
const FUTURE_MS: i64 = 300_000;
/// The farm's offset of the prototype's naive times.
const OFFSET_MS: i64 = 3_600_000;

/// `POST /api/v1/ingest`: strict JSON (duplicate keys refused), then the checks.
pub fn ingest_json(data: &[u8]) {
    if let Ok(req) = animov_http::extract::from_json_bytes::<animov_api::IngestRequest>(data)
        && animov_core::ingest::validate_request(&req, NOW_MS, FUTURE_MS).is_ok()
    {
        assert!(req.frames.iter().all(|f| f.ts_ms <= NOW_MS + FUTURE_MS));
    }
}

/// `POST /receive_data_animov`: the prototype's body, base64 pictures included.
pub fn legacy_json(data: &[u8]) {
    let Ok(animov_http::legacy_format::StrictValue(v)) =
        animov_http::extract::from_json_bytes(data)
    else {
        return;
    };
    if let Ok(batches) = animov_http::legacy_format::parse(&v, OFFSET_MS, NOW_MS, FUTURE_MS) {
        for (source, frames) in &batches {
            assert!(animov_core::ingest::validate_source(source).is_ok());
            assert!(frames.iter().all(|f| f.ts_ms <= NOW_MS + FUTURE_MS));
        }
    }
}

/// `animov import` and the Import page: an INRA CSV export.
pub fn import_csv(data: &[u8]) {
    if let Ok(parsed) = animov_engine::import::parse_csv(data, OFFSET_MS, NOW_MS, FUTURE_MS) {
        let _ = parsed;
    }
}

/// `animov forecast eval` and `animov alerts replay|eval`: series and judgements CSV.
pub fn series_csv(data: &[u8]) {
    let _ = animov_engine::forecasting::eval::read_series(data);
    let _ = animov_engine::alerting::replay::read_series_csv(data);
    let _ = animov_engine::alerting::replay::read_judgements(data);
}

/// A camera address typed in by a farmer: parsed, and its password kept out
/// of what is shown and put back exactly where it was.
pub fn camera_address(data: &[u8]) {
    let Ok(uri) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(e) = animov_vision::source::Source::parse(uri) {
        let (_, password) = camera_uri::split_password(uri);
        // The address the error shows (its reason is a sentence of ours,
        // whose words a password may be: "unknown sche").
        if let Some(p) = password.filter(|p| plain(p) && uri.matches(p.as_str()).count() == 1) {
            assert!(!e.url.contains(&p), "a password in an error");
        }
    }
    let (masked, password) = camera_uri::split_password(uri);
    if camera_uri::has_masked_password(uri) {
        assert!(password.is_none());
    }
    if let Some(p) = password {
        // (Only the password's own place is masked: the same letters
        // elsewhere in the address, "a" in "cam.local", are the address's.)
        if plain(&p) && uri.matches(p.as_str()).count() == 1 {
            assert!(!masked.contains(p.as_str()), "the password shown: {masked}");
        }
        // Put back where it was (an address holding it once).
        if masked.matches(camera_uri::MASK).count() == 1 {
            assert!(camera_uri::has_masked_password(&masked), "{masked}");
            assert_eq!(camera_uri::with_password(&masked, Some(&p)), uri);
            assert!(camera_uri::same_account(uri, &masked));
        }
        if plain(&p) {
            assert!(!camera_uri::redact(uri, Some(&p)).contains(p.as_str()));
        }
    }
}

/// Whether a password can be looked for in a masked text: one holding a
/// character of the mask may be made by the mask and its neighbours
/// (`:••` in `:•••`), and shows as itself.
fn plain(password: &str) -> bool {
    !password.chars().any(|c| camera_uri::MASK.contains(c))
}

/// `<data-dir>/animov.toml`.
pub fn config_toml(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = animov_engine::config::Config::parse(text, Path::new("animov.toml"));
    }
}

/// A detector's `.json` description (imported from the Cameras page).
pub fn model_sidecar(data: &[u8]) {
    let _ = ModelSpec::parse(data, "fuzz.json");
}

/// The descriptions the outputs are decoded with: the bundled NanoDet and a YOLOv8.
fn specs() -> &'static [ModelSpec] {
    static SPECS: OnceLock<Vec<ModelSpec>> = OnceLock::new();
    SPECS.get_or_init(|| {
        [
            &include_bytes!("../../../models/nanodet.json")[..],
            &include_bytes!("../../animov-vision/tests/fixtures/tiny_yolo.json")[..],
        ]
        .iter()
        .map(|b| ModelSpec::parse(b, "bundled").expect("the bundled descriptions read"))
        .collect()
    })
}

/// Reads the fuzzer's bytes as small numbers, zeros when they run out.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn u8(&mut self) -> u8 {
        let (b, rest) = self.0.split_first().map_or((0, &[][..]), |(b, r)| (*b, r));
        self.0 = rest;
        b
    }
    fn u16(&mut self) -> u16 {
        u16::from(self.u8()) << 8 | u16::from(self.u8())
    }
}

/// A model's outputs, of any shape (and data of any length), decoded with a
/// real description: an error or finite boxes, never a panic.
pub fn model_outputs(data: &[u8]) {
    let specs = specs();
    let mut b = Bytes(data);
    let spec = &specs[usize::from(b.u8()) % specs.len()];
    let nc = spec.classes.len();
    let bins = 4 * (spec.reg_max as usize + 1);
    let n_out = 1 + usize::from(b.u8() % 4);
    let mut shapes = Vec::new();
    for _ in 0..n_out {
        let n = usize::from(b.u16() % 2200);
        let shape = match b.u8() % 6 {
            // The layouts the decoders expect, with any number of rows.
            0 => vec![1, 4 + nc, n],
            1 => vec![1, n, 4 + nc],
            2 => vec![1, n, nc],
            3 => vec![1, n, bins],
            _ => (0..1 + b.u8() % 4)
                .map(|_| usize::from(b.u16() % 300))
                .collect(),
        };
        shapes.push(shape);
    }
    let fit = b.u8() % 4 != 0;
    let values: Vec<f32> =
        b.0.chunks(4)
            .map(|c| {
                let mut w = [0u8; 4];
                w[..c.len()].copy_from_slice(c);
                f32::from_le_bytes(w)
            })
            .collect();
    let datas: Vec<Vec<f32>> = shapes
        .iter()
        .map(|s| {
            let want = s
                .iter()
                .try_fold(1usize, |a, d| a.checked_mul(*d))
                .unwrap_or(usize::MAX)
                .min(1 << 20);
            // Most of the time as long as the shape says; else whatever there is.
            let len = if fit { want } else { values.len().min(want) };
            (0..len)
                .map(|i| values.get(i % values.len().max(1)).copied().unwrap_or(0.5))
                .collect()
        })
        .collect();
    let views: Vec<OutputView<'_>> = shapes
        .iter()
        .zip(&datas)
        .map(|(shape, data)| OutputView { shape, data })
        .collect();
    if let Ok(found) = decode(spec, &views) {
        for s in found {
            let b = s.bbox;
            assert!(
                [b.x, b.y, b.w, b.h, s.score].iter().all(|v| v.is_finite()),
                "a box that is not a number: {s:?}"
            );
        }
    }
}
