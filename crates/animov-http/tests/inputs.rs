//! Untrusted input, generated: whatever a sender, an analyst's file or a
//! hand-edited setting holds, the parsers answer with a value or an error
//! that names what is wrong — never a panic, never a password in a message.
//! Short runs here (CI); `PROPTEST_CASES=200000 cargo test -p animov-http
//! --test inputs --release` for a long campaign.

use animov_http::legacy_format::{StrictValue, parse};
use proptest::prelude::*;
use serde_json::{Value, json};

const NOW: i64 = 1_800_000_000_000;

/// Any JSON value, a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,24}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,10}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A legacy item close to valid: the fields it should have, with odd values.
fn legacy_item() -> impl Strategy<Value = Value> {
    (
        prop_oneof![any::<i64>().prop_map(Value::from), any_json()],
        prop_oneof![
            "[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,3})?"
                .prop_map(Value::String),
            any_json(),
        ],
        prop::collection::vec(
            prop::collection::vec(
                prop_oneof![any::<f64>().prop_map(|f| json!(f)), any_json()],
                0..12,
            ),
            0..6,
        ),
        prop::option::of("[A-Za-z0-9+/=!]{0,40}"),
    )
        .prop_map(|(id, date, detect, frame)| {
            let mut item = json!({"source_id": id, "date": date, "detect": detect});
            if let Some(f) = frame {
                item["frame"] = json!(f);
            }
            item
        })
}

proptest! {
    #[test]
    fn any_json_body_of_the_legacy_route_is_answered(v in any_json()) {
        if let Err(e) = parse(&v, 0, NOW, 300_000) {
            prop_assert!(!e.field.is_empty() && !e.message.is_empty());
        }
    }

    #[test]
    fn near_valid_legacy_items_are_answered_with_the_field(items in prop::collection::vec(legacy_item(), 1..20)) {
        match parse(&json!({"data": items}), 0, NOW, 300_000) {
            Ok(batches) => {
                for (source, frames) in batches {
                    prop_assert!(source.starts_with("cam-"));
                    prop_assert!(frames.iter().all(|f| f.ts_ms <= NOW + 300_000));
                }
            }
            Err(e) => prop_assert!(e.field.starts_with("data"), "{}", e.field),
        }
    }

    #[test]
    fn any_bytes_as_a_strict_json_body_are_answered(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = serde_json::from_slice::<StrictValue>(&bytes);
    }

    #[test]
    fn any_ingest_body_is_answered(v in any_json(), source in ".{0,70}") {
        let body = json!({"source": source, "frames": v});
        if let Ok(req) = serde_json::from_value::<animov_api::IngestRequest>(body)
            && let Err(e) = animov_core::ingest::validate_request(&req, NOW, 300_000)
        {
            prop_assert!(!e.field.is_empty());
        }
    }

    #[test]
    fn any_series_file_is_answered(lines in prop::collection::vec(
        "[0-9TZ:\\-]{0,22},[a-z\\-]{0,6},[0-9.na]{0,4},[0-9.]{0,3},[0-9.]{0,3},[0-9.nul]{0,5}", 0..30)) {
        let csv = format!("timestamp,source,lying,standing,total,ratio_standing\n{}\n", lines.join("\n"));
        let _ = animov_engine::alerting::replay::read_series_csv(csv.as_bytes());
        let _ = animov_engine::forecasting::eval::read_series(csv.as_bytes());
    }

    #[test]
    fn camera_addresses_never_show_their_password(
        scheme in prop_oneof![Just("rtsp://"), Just("http://"), Just("file://"), Just(""), Just("v4l2://")],
        user in "[a-z]{0,6}",
        password in "[A-Za-z0-9!%$]{1,12}",
        rest in "[A-Za-z0-9./:@?=&%-]{0,30}",
    ) {
        let uri = format!("{scheme}{user}:{password}@{rest}");
        let _ = animov_vision::source::Source::parse(&uri);
        let (shown, kept) = animov_core::camera_uri::split_password(&uri);
        if let Some(p) = kept {
            let with_password = format!(":{p}@");
            let shown_masked = animov_core::camera_uri::masked(&uri);
            prop_assert!(!shown_masked.contains(&with_password));
            let message = format!("cannot open {uri}");
            let redacted = animov_core::camera_uri::redact(&message, Some(&p));
            prop_assert!(!redacted.contains(&p), "{}", redacted);
            prop_assert_eq!(animov_core::camera_uri::with_password(&shown, Some(&p)), uri);
        }
    }

    #[test]
    fn any_settings_file_is_answered(text in "[a-z_\\[\\]=\" .0-9\n]{0,200}") {
        let _ = animov_engine::config::Config::parse(&text, std::path::Path::new("animov.toml"));
    }
}
