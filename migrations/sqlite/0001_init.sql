-- AniMOV schema v1 (SQLite). Timestamps are UTC milliseconds.
-- Synced tables carry site_id and change_seq (monotonic per site).

CREATE TABLE site (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    site_id TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);

CREATE TABLE change_counter (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    value INTEGER NOT NULL
);
INSERT INTO change_counter (id, value) VALUES (1, 0);

CREATE TABLE cameras (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id TEXT NOT NULL,
    source TEXT NOT NULL,
    name TEXT NOT NULL,
    uri TEXT,
    herd_size INTEGER,
    kind TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    change_seq INTEGER NOT NULL,
    CONSTRAINT cameras_source_unique UNIQUE (site_id, source)
);

CREATE TABLE frame_counts (
    camera_id INTEGER NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,
    ts_ms INTEGER NOT NULL,
    total INTEGER NOT NULL,
    lying INTEGER NOT NULL,
    standing INTEGER NOT NULL,
    detections BLOB,
    site_id TEXT NOT NULL,
    change_seq INTEGER NOT NULL,
    PRIMARY KEY (camera_id, ts_ms)
) WITHOUT ROWID;
CREATE INDEX frame_counts_seq ON frame_counts (change_seq);

CREATE TABLE minute_stats (
    camera_id INTEGER NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,
    minute_ts INTEGER NOT NULL,
    nb_frames INTEGER NOT NULL,
    total_sum INTEGER NOT NULL, total_mean REAL NOT NULL, total_std REAL,
    total_min INTEGER NOT NULL, total_max INTEGER NOT NULL,
    total_q1 REAL NOT NULL, total_q2 REAL NOT NULL, total_q3 REAL NOT NULL,
    total_mode INTEGER NOT NULL, total_hist TEXT NOT NULL,
    lying_sum INTEGER NOT NULL, lying_mean REAL NOT NULL, lying_std REAL,
    lying_min INTEGER NOT NULL, lying_max INTEGER NOT NULL,
    lying_q1 REAL NOT NULL, lying_q2 REAL NOT NULL, lying_q3 REAL NOT NULL,
    lying_mode INTEGER NOT NULL, lying_hist TEXT NOT NULL,
    standing_sum INTEGER NOT NULL, standing_mean REAL NOT NULL, standing_std REAL,
    standing_min INTEGER NOT NULL, standing_max INTEGER NOT NULL,
    standing_q1 REAL NOT NULL, standing_q2 REAL NOT NULL, standing_q3 REAL NOT NULL,
    standing_mode INTEGER NOT NULL, standing_hist TEXT NOT NULL,
    site_id TEXT NOT NULL,
    change_seq INTEGER NOT NULL,
    PRIMARY KEY (camera_id, minute_ts)
) WITHOUT ROWID;
CREATE INDEX minute_stats_seq ON minute_stats (change_seq);

-- Minutes whose frames changed since their statistics were written.
CREATE TABLE dirty_minutes (
    camera_id INTEGER NOT NULL,
    minute_ts INTEGER NOT NULL,
    gen INTEGER NOT NULL,
    PRIMARY KEY (camera_id, minute_ts)
) WITHOUT ROWID;

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    CONSTRAINT users_username_unique UNIQUE (username)
);

CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    camera_id INTEGER NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    key_hash TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    revoked_ms INTEGER,
    CONSTRAINT api_keys_hash_unique UNIQUE (key_hash)
);

CREATE TABLE revoked_tokens (
    jti TEXT PRIMARY KEY,
    expires_ms INTEGER NOT NULL
);
