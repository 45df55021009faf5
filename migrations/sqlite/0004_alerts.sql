-- AniMOV schema v4 (SQLite): alerts, their history, per-camera rules, the notification outbox.

-- One row per alert; `open_rule` holds the rule while the alert is not
-- resolved (NULL after), so the unique index allows one open alert per rule and camera.
CREATE TABLE alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    camera_id INTEGER NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,
    rule TEXT NOT NULL,
    open_rule TEXT,
    severity TEXT NOT NULL,
    state TEXT NOT NULL,
    since_ms INTEGER NOT NULL,
    opened_ms INTEGER NOT NULL,
    clear_since_ms INTEGER,
    resolved_ms INTEGER,
    resolved_by TEXT,
    ack_by TEXT,
    ack_ms INTEGER,
    ack_comment TEXT,
    message TEXT NOT NULL,
    value REAL,
    threshold REAL,
    track_id INTEGER,
    site_id TEXT NOT NULL,
    change_seq INTEGER NOT NULL
);
CREATE UNIQUE INDEX alerts_one_open ON alerts (camera_id, open_rule);
CREATE INDEX alerts_opened ON alerts (opened_ms);

CREATE TABLE alert_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id INTEGER NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    ts_ms INTEGER NOT NULL,
    kind TEXT NOT NULL,
    by_user TEXT,
    comment TEXT,
    site_id TEXT NOT NULL,
    change_seq INTEGER NOT NULL
);
CREATE INDEX alert_events_alert ON alert_events (alert_id, id);

-- Rule settings of a camera (JSON AlertRules); absent = defaults.
CREATE TABLE alert_rules (
    camera_id INTEGER PRIMARY KEY REFERENCES cameras (id) ON DELETE CASCADE,
    settings BLOB NOT NULL,
    updated_ms INTEGER NOT NULL,
    site_id TEXT NOT NULL,
    change_seq INTEGER NOT NULL
);

-- Small named settings of the site (JSON), e.g. alert delivery.
CREATE TABLE app_settings (
    name TEXT PRIMARY KEY,
    value BLOB NOT NULL,
    updated_ms INTEGER NOT NULL
);

-- Messages to send (email), retried until sent or given up.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id INTEGER REFERENCES alerts (id) ON DELETE SET NULL,
    camera_id INTEGER,
    rule TEXT,
    channel TEXT NOT NULL,
    subject TEXT NOT NULL,
    body BLOB NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_try_ms INTEGER NOT NULL,
    last_error TEXT,
    created_ms INTEGER NOT NULL,
    sent_ms INTEGER
);
CREATE INDEX notifications_due ON notifications (state, next_try_ms);
CREATE INDEX notifications_rule ON notifications (camera_id, rule, created_ms);
