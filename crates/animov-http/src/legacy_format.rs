//! The legacy INRA stream format (`POST /receive_data_animov`), parsed into frames.
//!
//! Accepted shape: a JSON array of items, or an object whose `data` key holds
//! that array. Item: `source_id` (integer), `date` (`"YYYY-MM-DD HH:MM:SS[.fff]"`
//! or a list holding one such string), `detect` (list of rows
//! `[id, x_min, y_min, x_max, y_max, score, class, ...]`, class 1 = lying,
//! anything else standing), optional `frame` (base64 picture) and `frame_id`.

use std::collections::BTreeMap;

use animov_api::{Detection, IngestFrame, LegacyItem};
use animov_core::ingest::{FieldError, MAX_FRAMES, validate_frame};
use animov_store::NewFrame;
use base64::Engine;
use chrono::NaiveDateTime;
use serde::{Deserialize, Deserializer, de};
use serde_json::{Map, Value};

/// A JSON body whose objects may not repeat a key: serde_json's `Value`
/// silently keeps the last one, where the typed `/api/v1/ingest` refuses.
#[derive(Debug)]
pub struct StrictValue(pub Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(Strict).map(StrictValue)
    }
}

struct Strict;

impl<'de> de::Visitor<'de> for Strict {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        serde_json::Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("numbers must be finite"))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        StrictValue::deserialize(d).map(|v| v.0)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(StrictValue(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(k) = map.next_key::<String>()? {
            if out.contains_key(&k) {
                return Err(de::Error::custom(format!("duplicate key {k:?}")));
            }
            let StrictValue(v) = map.next_value()?;
            out.insert(k, v);
        }
        Ok(Value::Object(out))
    }
}

fn bad(field: impl Into<String>, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.into(),
        message: message.into(),
    }
}

fn parse_date(v: &Value, at: &str) -> Result<NaiveDateTime, FieldError> {
    let s = match v {
        Value::String(s) => s.as_str(),
        Value::Array(a) if a.len() == 1 && a[0].is_string() => a[0].as_str().unwrap_or_default(),
        _ => {
            return Err(bad(
                at,
                "date must be \"YYYY-MM-DD HH:MM:SS.fff\" or a list holding one such string",
            ));
        }
    };
    for fmt in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"] {
        if let Ok(d) = NaiveDateTime::parse_from_str(s.trim(), fmt) {
            return Ok(d);
        }
    }
    Err(bad(
        at,
        format!("cannot read the date {s:?}: expected YYYY-MM-DD HH:MM:SS.fff"),
    ))
}

fn detections(v: &Value, at: &str) -> Result<Vec<Detection>, FieldError> {
    let rows = v
        .as_array()
        .ok_or_else(|| bad(at, "detect must be a list of detection rows"))?;
    let mut out = Vec::with_capacity(rows.len());
    for (j, row) in rows.iter().enumerate() {
        let rat = format!("{at}[{j}]");
        let cells = row.as_array().ok_or_else(|| {
            bad(
                &rat,
                "a detection must be a list [id, x_min, y_min, x_max, y_max, score, class, ...]",
            )
        })?;
        if cells.len() < 7 {
            return Err(bad(
                &rat,
                "a detection needs at least 7 numbers: [id, x_min, y_min, x_max, y_max, score, class]",
            ));
        }
        let num = |k: usize| -> Result<f64, FieldError> {
            cells[k]
                .as_f64()
                .filter(|x| x.is_finite())
                .ok_or_else(|| bad(format!("{rat}[{k}]"), "must be a number"))
        };
        let (x0, y0, x1, y1, score, class) = (num(1)?, num(2)?, num(3)?, num(4)?, num(5)?, num(6)?);
        out.push(Detection {
            class: if class == 1.0 { "lying" } else { "standing" }.to_string(),
            score: score as f32,
            x: x0.min(x1) as f32,
            y: y0.min(y1) as f32,
            w: (x1 - x0).abs() as f32,
            h: (y1 - y0).abs() as f32,
            track_id: None,
        });
    }
    Ok(out)
}

/// Frames per source name (`cam-<source_id>`), validated like `/api/v1/ingest`.
pub fn parse(
    body: &Value,
    utc_offset_ms: i64,
    now_ms: i64,
    max_future_ms: i64,
) -> Result<BTreeMap<String, Vec<NewFrame>>, FieldError> {
    let (items, prefix) = match body {
        Value::Array(a) => (a, ""),
        Value::Object(o) => match o.get("data") {
            Some(Value::Array(a)) => (a, "data"),
            _ => {
                return Err(bad(
                    "data",
                    "expected a list of items, or an object with a `data` list",
                ));
            }
        },
        _ => {
            return Err(bad(
                "data",
                "expected a list of items, or an object with a `data` list",
            ));
        }
    };
    if items.is_empty() {
        return Err(bad(prefix_or(prefix), "send at least one item"));
    }
    if items.len() > MAX_FRAMES {
        return Err(bad(
            prefix_or(prefix),
            format!("at most {MAX_FRAMES} items per request"),
        ));
    }
    let mut out: BTreeMap<String, Vec<NewFrame>> = BTreeMap::new();
    for (i, item) in items.iter().enumerate() {
        let at = format!("{prefix}[{i}]");
        let it: LegacyItem =
            serde_json::from_value(item.clone()).map_err(|e| bad(&at, e.to_string()))?;
        if it.source_id < 0 {
            return Err(bad(
                format!("{at}.source_id"),
                "source_id must be a camera number ≥ 0",
            ));
        }
        let naive = parse_date(&it.date, &format!("{at}.date"))?;
        let ts_ms = naive.and_utc().timestamp_millis() - utc_offset_ms;
        let dets = detections(&it.detect, &format!("{at}.detect"))?;
        if let Some(frame) = &it.frame {
            base64::engine::general_purpose::STANDARD
                .decode(frame.trim())
                .map_err(|e| {
                    bad(
                        format!("{at}.frame"),
                        format!("frame is not valid base64: {e}"),
                    )
                })?;
        }
        let lying = dets.iter().filter(|d| d.class == "lying").count() as u32;
        let standing = dets.len() as u32 - lying;
        let frame = IngestFrame {
            ts_ms,
            lying,
            standing,
            detections: Some(dets),
        };
        validate_frame(i, &frame, now_ms, max_future_ms).map_err(|mut e| {
            // Named as this format names them: the time is `date`, the
            // counts come from `detect`.
            let field = e.field.replacen(&format!("frames[{i}]"), &at, 1);
            e.field = field
                .replace(".ts_ms", ".date")
                .replace(".lying", ".detect")
                .replace(".standing", ".detect");
            e
        })?;
        let detections = serde_json::to_vec(&frame.detections).ok();
        out.entry(format!("cam-{}", it.source_id))
            .or_default()
            .push(NewFrame {
                ts_ms,
                lying,
                standing,
                detections,
            });
    }
    Ok(out)
}

fn prefix_or(p: &str) -> &str {
    if p.is_empty() { "data" } else { p }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: i64 = 1_800_000_000_000;

    #[test]
    fn duplicate_keys_are_refused() {
        let dup = r#"[{"source_id": 1, "date": "2024-07-31 13:45:00", "date": "2031-01-01 00:00:00", "detect": []}]"#;
        let err = serde_json::from_str::<StrictValue>(dup).unwrap_err();
        assert!(err.to_string().contains("duplicate key \"date\""), "{err}");
        let ok: StrictValue =
            serde_json::from_str(r#"{"data": [{"a": [1, 2.5, null, true, {"b": "c"}]}]}"#).unwrap();
        assert_eq!(
            ok.0,
            json!({"data": [{"a": [1, 2.5, null, true, {"b": "c"}]}]})
        );
    }

    #[test]
    fn reads_the_prototype_test_payload() {
        // The shape the Python prototype's own test sent.
        let body = json!([{
            "source_id": 1,
            "date": ["2024-07-31 13:45:00.000"],
            "detect": [[1, 100, 100, 200, 200, 0.9, 1, false, false, false],
                       [2, 150, 150, 250, 250, 0.8, 0, false, false, false]]
        }]);
        let out = parse(&body, 0, NOW, 0).unwrap();
        let f = &out["cam-1"][0];
        assert_eq!((f.ts_ms, f.lying, f.standing), (1_722_433_500_000, 1, 1));
        let dets: Vec<Detection> = serde_json::from_slice(f.detections.as_ref().unwrap()).unwrap();
        assert_eq!(
            dets[0],
            Detection {
                class: "lying".into(),
                score: 0.9,
                x: 100.0,
                y: 100.0,
                w: 100.0,
                h: 100.0,
                track_id: None,
            }
        );
    }

    #[test]
    fn reads_the_wrapped_stream_with_frames_and_offsets() {
        let body = json!({
            "_send_date": "2024-08-01 17:18:46",
            "data": [
                {"source_id": 2, "date": "2024-02-19 09:28:09.703", "frame_id": 3004169, "frame": "/9j/4AAQ",
                 "detect": [[0, 911.098, 201.1, 1104.898, 379.823, 0.945821, 0.0, 0, 0, 0]]},
                {"source_id": 1, "date": ["2024-02-19 09:28:09.803"], "detect": []}
            ]
        });
        let out = parse(&body, 60 * 60_000, NOW, 0).unwrap();
        assert_eq!(out.len(), 2);
        let f = &out["cam-2"][0];
        assert_eq!(
            f.ts_ms,
            1_708_334_889_703 - 3_600_000,
            "naive local time minus the offset"
        );
        assert_eq!((f.lying, f.standing), (0, 1));
        assert_eq!((out["cam-1"][0].lying, out["cam-1"][0].standing), (0, 0));
    }

    #[test]
    fn names_the_faulty_field() {
        let cases = [
            (json!({"data": "x"}), "data"),
            (json!([]), "data"),
            (
                json!([{"source_id": 1, "date": "yesterday", "detect": []}]),
                "[0].date",
            ),
            (
                json!({"data": [{"source_id": 1, "date": "2024-01-01 00:00:00", "detect": [[0, 1, 2]]}]}),
                "data[0].detect[0]",
            ),
            (
                json!([{"source_id": 1, "date": "2024-01-01 00:00:00", "detect": [[0, 1, 2, 3, "x", 0.5, 1]]}]),
                "[0].detect[0][4]",
            ),
            (
                json!([{"source_id": 1, "date": "2024-01-01 00:00:00", "detect": [], "frame": "!!"}]),
                "[0].frame",
            ),
            (
                json!([{"date": "2024-01-01 00:00:00", "detect": []}]),
                "[0]",
            ),
            (
                // The item's time is its `date`: the format has no `ts_ms`.
                json!([{"source_id": 1, "date": "2099-01-01 00:00:00", "detect": []}]),
                "[0].date",
            ),
        ];
        for (body, field) in cases {
            let e = parse(&body, 0, NOW, 0).unwrap_err();
            assert_eq!(e.field, field, "{body} -> {e}");
        }
    }
}
