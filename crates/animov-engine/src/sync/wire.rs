//! Bodies on the wire: JSON, gzip-compressed, with a size cap on what a
//! body may inflate to.

use std::io::{Read, Write};

use flate2::{Compression, read::GzDecoder, write::GzEncoder};
use serde::{Serialize, de::DeserializeOwned};

use super::SyncError;

/// Largest JSON a compressed body may inflate to.
pub const MAX_INFLATED: u64 = 256 << 20;

/// `value` as gzip JSON.
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, SyncError> {
    let json = serde_json::to_vec(value).map_err(|e| SyncError::Local(e.to_string()))?;
    let mut gz = GzEncoder::new(Vec::with_capacity(json.len() / 4), Compression::fast());
    gz.write_all(&json)
        .and_then(|()| gz.finish())
        .map_err(|e| SyncError::Local(e.to_string()))
}

/// Reads a body that is gzip JSON (or plain JSON when `gzip` is false).
pub fn decode<T: DeserializeOwned>(body: &[u8], gzip: bool) -> Result<T, SyncError> {
    let mut json = Vec::new();
    if gzip {
        GzDecoder::new(body)
            .take(MAX_INFLATED + 1)
            .read_to_end(&mut json)
            .map_err(|e| SyncError::BadRequest(format!("the body is not valid gzip: {e}")))?;
        if json.len() as u64 > MAX_INFLATED {
            return Err(SyncError::BadRequest(
                "the body inflates past 256 MiB: send smaller batches".into(),
            ));
        }
    } else {
        json.extend_from_slice(body);
    }
    serde_json::from_slice(&json)
        .map_err(|e| SyncError::BadRequest(format!("the body is not a valid sync message: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_garbage() {
        let v = serde_json::json!({"a": [1, 2, 3], "b": "x".repeat(10_000)});
        let gz = encode(&v).unwrap();
        assert!(gz.len() < 500);
        assert_eq!(decode::<serde_json::Value>(&gz, true).unwrap(), v);
        assert!(matches!(
            decode::<serde_json::Value>(&gz[..gz.len() / 2], true),
            Err(SyncError::BadRequest(_))
        ));
        assert!(decode::<serde_json::Value>(b"not gzip", true).is_err());
    }
}
