//! Which tables sync, how each row is identified across nodes, and the
//! conflict rule of each (also in README, "Sync").
//!
//! Up (site → central), in this order (parents before children):
//!
//! | table | identity | rule |
//! |---|---|---|
//! | cameras | (origin site, id) | the site's row wins (only the site edits its cameras); the address travels without its password |
//! | camera_settings, alert_rules | camera | the site's row wins |
//! | forecast_models | (origin site, id) | the site's row wins |
//! | forecasts | camera, time, issue time | append-only |
//! | minute_stats | camera, minute | the site's row wins (a late frame recomputes a minute) |
//! | lying_bouts | camera, track, start | the site's row wins (a running bout grows) |
//! | alerts | (origin site, id) | the site's row wins: it runs the rules; a vet's acknowledgement at the central travels down as an event and comes back in the site's row |
//! | alert_events | (origin site, id) | append-only |
//! | notes | (origin site, id) | last writer by the central's time: the site's edit wins if it reaches the central after the vet's (a site row with edits not yet sent is never overwritten from the central) |
//! | note_versions | (origin site, id) | append-only |
//! | recordings | (origin site, id) | metadata only; deletions (retention) as tombstones |
//! | snapshots | (origin site, id) | append-only, with the picture |
//! | dataset_frames | (origin site, id) | the site's row wins, with the picture; deletions as tombstones |
//! | frame_counts | camera, time | append-only; only with `[sync] frames = true` |
//!
//! Down (central → site): notes, note_versions and alert_events written at the
//! central about a site's data, and the deletion of such notes.

/// How a column's values are read, sent and bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    /// 64-bit integer.
    Int,
    /// Double.
    Real,
    /// Text.
    Text,
    /// Bytes (base64 on the wire).
    Blob,
    /// The id of a row of another synced table (its identity on the wire).
    Ref(&'static str),
}

/// How a table's rows are told apart across nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKey {
    /// A surrogate id: the row's identity is (origin site, id at the origin).
    Id,
    /// These columns (the first is the camera reference).
    Natural(&'static [&'static str]),
}

/// One synced table.
#[derive(Debug)]
pub struct TableSpec {
    /// Table name (also its name on the wire).
    pub name: &'static str,
    /// How rows are identified.
    pub key: RowKey,
    /// Columns sent, besides the id, site, change sequence and origin.
    pub cols: &'static [(&'static str, ColType)],
    /// The column holding the path of a picture that travels with the row.
    pub file_col: Option<&'static str>,
    /// A column holding a path on the node that wrote the row, whose file
    /// does not travel (a recording's video): emptied at the central, which
    /// never opens a path a site sent.
    pub local_col: Option<&'static str>,
    /// Only sent when the site says so (frames).
    pub optional: bool,
    /// Rows written at the central about a site's data go down to it.
    pub down: bool,
}

impl TableSpec {
    /// Index of column `name` in a wire row (after the version and identity).
    pub fn col_index(&self, name: &str) -> Option<usize> {
        self.cols.iter().position(|(c, _)| *c == name)
    }

    /// Indexes of the columns holding paths on this node (the picture's and
    /// the local file's): never compared between nodes.
    pub fn paths(&self) -> impl Iterator<Item = usize> + '_ {
        [self.file_col, self.local_col]
            .into_iter()
            .flatten()
            .filter_map(|c| self.col_index(c))
    }
}

use ColType::{Blob, Int, Real, Ref, Text};

const STAT: [(&str, ColType); 30] = [
    ("total_sum", Int),
    ("total_mean", Real),
    ("total_std", Real),
    ("total_min", Int),
    ("total_max", Int),
    ("total_q1", Real),
    ("total_q2", Real),
    ("total_q3", Real),
    ("total_mode", Int),
    ("total_hist", Text),
    ("lying_sum", Int),
    ("lying_mean", Real),
    ("lying_std", Real),
    ("lying_min", Int),
    ("lying_max", Int),
    ("lying_q1", Real),
    ("lying_q2", Real),
    ("lying_q3", Real),
    ("lying_mode", Int),
    ("lying_hist", Text),
    ("standing_sum", Int),
    ("standing_mean", Real),
    ("standing_std", Real),
    ("standing_min", Int),
    ("standing_max", Int),
    ("standing_q1", Real),
    ("standing_q2", Real),
    ("standing_q3", Real),
    ("standing_mode", Int),
    ("standing_hist", Text),
];

const fn minute_cols() -> [(&'static str, ColType); 33] {
    let mut out = [("", Int); 33];
    out[0] = ("camera_id", Ref("cameras"));
    out[1] = ("minute_ts", Int);
    out[2] = ("nb_frames", Int);
    let mut i = 0;
    while i < 30 {
        out[3 + i] = STAT[i];
        i += 1;
    }
    out
}

const MINUTE_COLS: [(&str, ColType); 33] = minute_cols();

/// A camera's JSON settings row (vision settings, alert rules).
const fn camera_json(name: &'static str) -> TableSpec {
    TableSpec {
        name,
        key: RowKey::Natural(&["camera_id"]),
        cols: &[
            ("camera_id", Ref("cameras")),
            ("settings", Blob),
            ("updated_ms", Int),
        ],
        file_col: None,
        local_col: None,
        optional: false,
        down: false,
    }
}

/// Every synced table, parents before children.
pub const TABLES: &[TableSpec] = &[
    TableSpec {
        name: "cameras",
        key: RowKey::Id,
        cols: &[
            ("source", Text),
            ("name", Text),
            ("uri", Text),
            ("herd_size", Int),
            ("kind", Text),
            ("created_ms", Int),
        ],
        file_col: None,
        local_col: None,
        optional: false,
        down: false,
    },
    camera_json("camera_settings"),
    camera_json("alert_rules"),
    TableSpec {
        name: "forecast_models",
        key: RowKey::Id,
        cols: &[
            ("camera_id", Ref("cameras")),
            ("kind", Text),
            ("spec", Text),
            ("params", Blob),
            ("train_from_ms", Int),
            ("train_to_ms", Int),
            ("train_rmse", Real),
            ("validation_rmse", Real),
            ("baseline_rmse", Real),
            ("stage", Text),
            ("created_ms", Int),
        ],
        file_col: None,
        local_col: None,
        optional: false,
        down: false,
    },
    TableSpec {
        name: "forecasts",
        key: RowKey::Natural(&["camera_id", "ts_ms", "issued_ms"]),
        cols: &[
            ("camera_id", Ref("cameras")),
            ("issued_ms", Int),
            ("ts_ms", Int),
            ("model_id", Ref("forecast_models")),
            ("mean", Real),
            ("lower80", Real),
            ("upper80", Real),
            ("lower95", Real),
            ("upper95", Real),
        ],
        file_col: None,
        local_col: None,
        optional: false,
        down: false,
    },
    TableSpec {
        name: "minute_stats",
        key: RowKey::Natural(&["camera_id", "minute_ts"]),
        cols: &MINUTE_COLS,
        file_col: None,
        local_col: None,
        optional: false,
        down: false,
    },
    TableSpec {
        name: "lying_bouts",
        key: RowKey::Natural(&["camera_id", "track_id", "start_ms"]),
        cols: &[
            ("camera_id", Ref("cameras")),
            ("track_id", Int),
            ("start_ms", Int),
            ("end_ms", Int),
            ("running", Int),
        ],
        file_col: None,
        local_col: None,
        optional: false,
        down: false,
    },
    TableSpec {
        name: "alerts",
        key: RowKey::Id,
        cols: &[
            ("camera_id", Ref("cameras")),
            ("rule", Text),
            ("severity", Text),
            ("state", Text),
            ("since_ms", Int),
            ("opened_ms", Int),
            ("clear_since_ms", Int),
            ("resolved_ms", Int),
            ("resolved_by", Text),
            ("ack_by", Text),
            ("ack_ms", Int),
            ("ack_comment", Text),
            ("message", Text),
            ("value", Real),
            ("threshold", Real),
            ("track_id", Int),
            ("feedback", Text),
            ("feedback_by", Text),
            ("feedback_ms", Int),
        ],
        file_col: None,
        local_col: None,
        optional: false,
        down: false,
    },
    TableSpec {
        name: "alert_events",
        key: RowKey::Id,
        cols: &[
            ("alert_id", Ref("alerts")),
            ("ts_ms", Int),
            ("kind", Text),
            ("by_user", Text),
            ("comment", Text),
        ],
        file_col: None,
        local_col: None,
        optional: false,
        down: true,
    },
    TableSpec {
        name: "notes",
        key: RowKey::Id,
        cols: &[
            ("camera_id", Ref("cameras")),
            ("start_ms", Int),
            ("end_ms", Int),
            ("text", Text),
            ("tags", Text),
            ("box", Text),
            ("author", Text),
            ("created_ms", Int),
            ("updated_ms", Int),
        ],
        file_col: None,
        local_col: None,
        optional: false,
        down: true,
    },
    TableSpec {
        name: "note_versions",
        key: RowKey::Id,
        cols: &[
            ("note_id", Ref("notes")),
            ("start_ms", Int),
            ("end_ms", Int),
            ("text", Text),
            ("tags", Text),
            ("box", Text),
            ("edited_by", Text),
            ("edited_ms", Int),
        ],
        file_col: None,
        local_col: None,
        optional: false,
        down: true,
    },
    TableSpec {
        name: "recordings",
        key: RowKey::Id,
        cols: &[
            ("camera_id", Ref("cameras")),
            ("path", Text),
            ("start_ms", Int),
            ("end_ms", Int),
            ("bytes", Int),
            ("keep_flag", Int),
        ],
        file_col: None,
        local_col: Some("path"),
        optional: false,
        down: false,
    },
    TableSpec {
        name: "snapshots",
        key: RowKey::Id,
        cols: &[
            ("camera_id", Ref("cameras")),
            ("ts_ms", Int),
            ("path", Text),
            ("width", Int),
            ("height", Int),
            ("detections", Blob),
        ],
        file_col: Some("path"),
        local_col: None,
        optional: false,
        down: false,
    },
    TableSpec {
        name: "dataset_frames",
        key: RowKey::Id,
        cols: &[
            ("camera_id", Ref("cameras")),
            ("ts_ms", Int),
            ("width", Int),
            ("height", Int),
            ("path", Text),
            ("boxes", Text),
            ("origin", Text),
            ("reviewed_by", Text),
            ("reviewed_ms", Int),
            ("created_ms", Int),
        ],
        file_col: Some("path"),
        local_col: None,
        optional: false,
        down: false,
    },
    TableSpec {
        name: "frame_counts",
        key: RowKey::Natural(&["camera_id", "ts_ms"]),
        cols: &[
            ("camera_id", Ref("cameras")),
            ("ts_ms", Int),
            ("total", Int),
            ("lying", Int),
            ("standing", Int),
            ("detections", Blob),
        ],
        file_col: None,
        local_col: None,
        optional: true,
        down: false,
    },
];

/// The spec of table `name`, if it syncs.
pub fn table(name: &str) -> Option<&'static TableSpec> {
    TABLES.iter().find(|t| t.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_come_before_children() {
        for (i, t) in TABLES.iter().enumerate() {
            for (_, ty) in t.cols {
                if let Ref(parent) = ty {
                    let p = TABLES.iter().position(|x| x.name == *parent).unwrap();
                    assert!(p < i, "{} refers to {parent}, which comes later", t.name);
                    assert_eq!(TABLES[p].key, RowKey::Id, "{parent} must have ids");
                }
            }
            if let RowKey::Natural(cols) = t.key {
                for c in cols {
                    assert!(t.col_index(c).is_some(), "{}.{c}", t.name);
                }
            }
            if let Some(f) = t.file_col {
                assert_eq!(t.cols[t.col_index(f).unwrap()].1, Text);
            }
        }
        assert_eq!(MINUTE_COLS[32].0, "standing_hist");
    }
}
