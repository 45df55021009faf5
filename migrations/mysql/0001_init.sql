-- AniMOV schema v1 (MySQL / MariaDB). Timestamps are UTC milliseconds.
-- Only BIGINT, DOUBLE, VARCHAR and BLOB columns: the types sqlx's Any driver reads.

CREATE TABLE site (
    id BIGINT PRIMARY KEY,
    site_id VARCHAR(64) NOT NULL,
    created_ms BIGINT NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE change_counter (
    id BIGINT PRIMARY KEY,
    value BIGINT NOT NULL
) ENGINE = InnoDB;
INSERT INTO change_counter (id, value) VALUES (1, 0);

CREATE TABLE cameras (
    id BIGINT PRIMARY KEY AUTO_INCREMENT,
    site_id VARCHAR(64) NOT NULL,
    source VARCHAR(64) NOT NULL,
    name VARCHAR(200) NOT NULL,
    uri VARCHAR(2000),
    herd_size BIGINT,
    kind VARCHAR(16) NOT NULL,
    created_ms BIGINT NOT NULL,
    change_seq BIGINT NOT NULL,
    CONSTRAINT cameras_source_unique UNIQUE (site_id, source)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE frame_counts (
    camera_id BIGINT NOT NULL,
    ts_ms BIGINT NOT NULL,
    total BIGINT NOT NULL,
    lying BIGINT NOT NULL,
    standing BIGINT NOT NULL,
    detections MEDIUMBLOB,
    site_id VARCHAR(64) NOT NULL,
    change_seq BIGINT NOT NULL,
    PRIMARY KEY (camera_id, ts_ms),
    KEY frame_counts_seq (change_seq),
    CONSTRAINT frame_counts_camera FOREIGN KEY (camera_id) REFERENCES cameras (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE minute_stats (
    camera_id BIGINT NOT NULL,
    minute_ts BIGINT NOT NULL,
    nb_frames BIGINT NOT NULL,
    total_sum BIGINT NOT NULL, total_mean DOUBLE NOT NULL, total_std DOUBLE,
    total_min BIGINT NOT NULL, total_max BIGINT NOT NULL,
    total_q1 DOUBLE NOT NULL, total_q2 DOUBLE NOT NULL, total_q3 DOUBLE NOT NULL,
    total_mode BIGINT NOT NULL, total_hist VARCHAR(4000) NOT NULL,
    lying_sum BIGINT NOT NULL, lying_mean DOUBLE NOT NULL, lying_std DOUBLE,
    lying_min BIGINT NOT NULL, lying_max BIGINT NOT NULL,
    lying_q1 DOUBLE NOT NULL, lying_q2 DOUBLE NOT NULL, lying_q3 DOUBLE NOT NULL,
    lying_mode BIGINT NOT NULL, lying_hist VARCHAR(4000) NOT NULL,
    standing_sum BIGINT NOT NULL, standing_mean DOUBLE NOT NULL, standing_std DOUBLE,
    standing_min BIGINT NOT NULL, standing_max BIGINT NOT NULL,
    standing_q1 DOUBLE NOT NULL, standing_q2 DOUBLE NOT NULL, standing_q3 DOUBLE NOT NULL,
    standing_mode BIGINT NOT NULL, standing_hist VARCHAR(4000) NOT NULL,
    site_id VARCHAR(64) NOT NULL,
    change_seq BIGINT NOT NULL,
    PRIMARY KEY (camera_id, minute_ts),
    KEY minute_stats_seq (change_seq),
    CONSTRAINT minute_stats_camera FOREIGN KEY (camera_id) REFERENCES cameras (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE dirty_minutes (
    camera_id BIGINT NOT NULL,
    minute_ts BIGINT NOT NULL,
    gen BIGINT NOT NULL,
    PRIMARY KEY (camera_id, minute_ts)
) ENGINE = InnoDB;

CREATE TABLE users (
    id BIGINT PRIMARY KEY AUTO_INCREMENT,
    username VARCHAR(64) NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    role VARCHAR(16) NOT NULL,
    created_ms BIGINT NOT NULL,
    CONSTRAINT users_username_unique UNIQUE (username)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE api_keys (
    id BIGINT PRIMARY KEY AUTO_INCREMENT,
    camera_id BIGINT NOT NULL,
    label VARCHAR(200) NOT NULL,
    key_hash VARCHAR(128) NOT NULL,
    created_ms BIGINT NOT NULL,
    revoked_ms BIGINT,
    CONSTRAINT api_keys_hash_unique UNIQUE (key_hash),
    CONSTRAINT api_keys_camera FOREIGN KEY (camera_id) REFERENCES cameras (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE revoked_tokens (
    jti VARCHAR(64) PRIMARY KEY,
    expires_ms BIGINT NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
