-- AniMOV schema v7 (SQLite): notes a vet, operator or admin writes on a
-- camera's time span (optionally a box on the picture), with tags; every
-- edit keeps the previous version. A note keeps the recording segments it
-- covers from retention.

CREATE TABLE notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    camera_id INTEGER NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,
    start_ms INTEGER NOT NULL,
    end_ms INTEGER NOT NULL,
    text TEXT NOT NULL,
    tags TEXT NOT NULL,
    box TEXT,
    author TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    site_id TEXT NOT NULL,
    change_seq INTEGER NOT NULL
);
CREATE INDEX notes_camera_start ON notes (camera_id, start_ms);

CREATE TABLE note_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    note_id INTEGER NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    start_ms INTEGER NOT NULL,
    end_ms INTEGER NOT NULL,
    text TEXT NOT NULL,
    tags TEXT NOT NULL,
    box TEXT,
    edited_by TEXT NOT NULL,
    edited_ms INTEGER NOT NULL,
    site_id TEXT NOT NULL,
    change_seq INTEGER NOT NULL
);
CREATE INDEX note_versions_note ON note_versions (note_id, id);
