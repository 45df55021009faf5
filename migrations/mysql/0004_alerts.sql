-- AniMOV schema v4 (MySQL/MariaDB): alerts, their history, per-camera rules, the notification outbox.

CREATE TABLE alerts (
    id BIGINT PRIMARY KEY AUTO_INCREMENT,
    camera_id BIGINT NOT NULL,
    rule VARCHAR(32) NOT NULL,
    open_rule VARCHAR(32),
    severity VARCHAR(16) NOT NULL,
    state VARCHAR(16) NOT NULL,
    since_ms BIGINT NOT NULL,
    opened_ms BIGINT NOT NULL,
    clear_since_ms BIGINT,
    resolved_ms BIGINT,
    resolved_by VARCHAR(64),
    ack_by VARCHAR(64),
    ack_ms BIGINT,
    ack_comment VARCHAR(2000),
    message VARCHAR(500) NOT NULL,
    value DOUBLE,
    threshold DOUBLE,
    track_id BIGINT,
    site_id VARCHAR(64) NOT NULL,
    change_seq BIGINT NOT NULL,
    UNIQUE INDEX alerts_one_open (camera_id, open_rule),
    INDEX alerts_opened (opened_ms),
    CONSTRAINT alerts_camera FOREIGN KEY (camera_id) REFERENCES cameras (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE alert_events (
    id BIGINT PRIMARY KEY AUTO_INCREMENT,
    alert_id BIGINT NOT NULL,
    ts_ms BIGINT NOT NULL,
    kind VARCHAR(16) NOT NULL,
    by_user VARCHAR(64),
    comment VARCHAR(2000),
    site_id VARCHAR(64) NOT NULL,
    change_seq BIGINT NOT NULL,
    INDEX alert_events_alert (alert_id, id),
    CONSTRAINT alert_events_alert_fk FOREIGN KEY (alert_id) REFERENCES alerts (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE alert_rules (
    camera_id BIGINT PRIMARY KEY,
    settings BLOB NOT NULL,
    updated_ms BIGINT NOT NULL,
    site_id VARCHAR(64) NOT NULL,
    change_seq BIGINT NOT NULL,
    CONSTRAINT alert_rules_camera FOREIGN KEY (camera_id) REFERENCES cameras (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE app_settings (
    name VARCHAR(64) PRIMARY KEY,
    value BLOB NOT NULL,
    updated_ms BIGINT NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE notifications (
    id BIGINT PRIMARY KEY AUTO_INCREMENT,
    alert_id BIGINT,
    camera_id BIGINT,
    rule VARCHAR(32),
    channel VARCHAR(16) NOT NULL,
    subject VARCHAR(500) NOT NULL,
    body BLOB NOT NULL,
    state VARCHAR(16) NOT NULL,
    attempts BIGINT NOT NULL,
    next_try_ms BIGINT NOT NULL,
    last_error VARCHAR(1000),
    created_ms BIGINT NOT NULL,
    sent_ms BIGINT,
    INDEX notifications_due (state, next_try_ms),
    INDEX notifications_rule (camera_id, rule, created_ms),
    CONSTRAINT notifications_alert FOREIGN KEY (alert_id) REFERENCES alerts (id) ON DELETE SET NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
