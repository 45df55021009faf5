-- AniMOV schema v3 (SQLite): forecast model registry and stored forecasts.

-- Model versions: one `production` model per camera (camera_id NULL: the
-- bundled model, used by every camera until it has its own).
CREATE TABLE forecast_models (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    camera_id INTEGER REFERENCES cameras (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    spec TEXT NOT NULL,
    params BLOB NOT NULL,
    train_from_ms INTEGER,
    train_to_ms INTEGER,
    train_rmse REAL,
    validation_rmse REAL,
    baseline_rmse REAL,
    stage TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    site_id TEXT NOT NULL,
    change_seq INTEGER NOT NULL
);
CREATE INDEX forecast_models_camera ON forecast_models (camera_id, stage);

-- Forecasts of the 15-minute standing ratio, as issued (the newest issue wins).
CREATE TABLE forecasts (
    camera_id INTEGER NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,
    issued_ms INTEGER NOT NULL,
    ts_ms INTEGER NOT NULL,
    model_id INTEGER NOT NULL,
    mean REAL NOT NULL,
    lower80 REAL NOT NULL,
    upper80 REAL NOT NULL,
    lower95 REAL NOT NULL,
    upper95 REAL NOT NULL,
    site_id TEXT NOT NULL,
    change_seq INTEGER NOT NULL,
    PRIMARY KEY (camera_id, ts_ms, issued_ms)
) WITHOUT ROWID;
