-- AniMOV schema v8 (SQLite): dataset frames for retraining. Each is a picture
-- taken from a recording (a JPEG under <data-dir>/dataset/) with its boxes:
-- the detector's until a person corrects them in the box editor, then ground
-- truth (reviewed_by set).

CREATE TABLE dataset_frames (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    camera_id INTEGER NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,
    ts_ms INTEGER NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    path TEXT NOT NULL,
    boxes TEXT NOT NULL,
    origin TEXT NOT NULL,
    reviewed_by TEXT,
    reviewed_ms INTEGER,
    created_ms INTEGER NOT NULL,
    site_id TEXT NOT NULL,
    change_seq INTEGER NOT NULL,
    CONSTRAINT dataset_frames_unique UNIQUE (camera_id, ts_ms)
);
