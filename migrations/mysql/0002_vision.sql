-- AniMOV schema v2 (MySQL/MariaDB): what the cameras' vision pipeline keeps.
-- Column types stay within BIGINT/DOUBLE/VARCHAR/BLOB (what sqlx's Any driver reads).

CREATE TABLE camera_settings (
    camera_id BIGINT PRIMARY KEY,
    settings BLOB NOT NULL,
    updated_ms BIGINT NOT NULL,
    CONSTRAINT camera_settings_camera FOREIGN KEY (camera_id) REFERENCES cameras (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE recordings (
    id BIGINT PRIMARY KEY AUTO_INCREMENT,
    camera_id BIGINT NOT NULL,
    path VARCHAR(1000) NOT NULL,
    start_ms BIGINT NOT NULL,
    end_ms BIGINT NOT NULL,
    bytes BIGINT NOT NULL,
    keep_flag BIGINT NOT NULL DEFAULT 0,
    site_id VARCHAR(64) NOT NULL,
    change_seq BIGINT NOT NULL,
    INDEX recordings_camera_start (camera_id, start_ms),
    CONSTRAINT recordings_camera FOREIGN KEY (camera_id) REFERENCES cameras (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE snapshots (
    id BIGINT PRIMARY KEY AUTO_INCREMENT,
    camera_id BIGINT NOT NULL,
    ts_ms BIGINT NOT NULL,
    path VARCHAR(1000) NOT NULL,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    detections BLOB,
    site_id VARCHAR(64) NOT NULL,
    change_seq BIGINT NOT NULL,
    INDEX snapshots_camera_ts (camera_id, ts_ms),
    CONSTRAINT snapshots_camera FOREIGN KEY (camera_id) REFERENCES cameras (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE lying_bouts (
    camera_id BIGINT NOT NULL,
    track_id BIGINT NOT NULL,
    start_ms BIGINT NOT NULL,
    end_ms BIGINT NOT NULL,
    running BIGINT NOT NULL,
    site_id VARCHAR(64) NOT NULL,
    change_seq BIGINT NOT NULL,
    PRIMARY KEY (camera_id, track_id, start_ms),
    INDEX lying_bouts_end (camera_id, end_ms),
    CONSTRAINT lying_bouts_camera FOREIGN KEY (camera_id) REFERENCES cameras (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
