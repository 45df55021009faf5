-- AniMOV schema v2 (SQLite): what the cameras' vision pipeline keeps.

-- Per-camera vision settings (JSON: region of interest, thresholds, tiling,
-- detector, posture classifier).
CREATE TABLE camera_settings (
    camera_id INTEGER PRIMARY KEY REFERENCES cameras (id) ON DELETE CASCADE,
    settings BLOB NOT NULL,
    updated_ms INTEGER NOT NULL
);

-- Recording segments (files under <data-dir>/recordings/<source>/).
CREATE TABLE recordings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    camera_id INTEGER NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    start_ms INTEGER NOT NULL,
    end_ms INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    keep_flag INTEGER NOT NULL DEFAULT 0,
    site_id TEXT NOT NULL,
    change_seq INTEGER NOT NULL
);
CREATE INDEX recordings_camera_start ON recordings (camera_id, start_ms);

-- Snapshots: 4 per hour per camera, JPEG + detections.
CREATE TABLE snapshots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    camera_id INTEGER NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,
    ts_ms INTEGER NOT NULL,
    path TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    detections BLOB,
    site_id TEXT NOT NULL,
    change_seq INTEGER NOT NULL
);
CREATE INDEX snapshots_camera_ts ON snapshots (camera_id, ts_ms);

-- Lying bouts of tracked animals (running ones have running = 1).
CREATE TABLE lying_bouts (
    camera_id INTEGER NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,
    track_id INTEGER NOT NULL,
    start_ms INTEGER NOT NULL,
    end_ms INTEGER NOT NULL,
    running INTEGER NOT NULL,
    site_id TEXT NOT NULL,
    change_seq INTEGER NOT NULL,
    PRIMARY KEY (camera_id, track_id, start_ms)
) WITHOUT ROWID;
CREATE INDEX lying_bouts_end ON lying_bouts (camera_id, end_ms);
