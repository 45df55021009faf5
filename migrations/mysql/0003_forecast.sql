-- AniMOV schema v3 (MySQL/MariaDB): forecast model registry and stored forecasts.

CREATE TABLE forecast_models (
    id BIGINT PRIMARY KEY AUTO_INCREMENT,
    camera_id BIGINT,
    kind VARCHAR(32) NOT NULL,
    spec VARCHAR(64) NOT NULL,
    params BLOB NOT NULL,
    train_from_ms BIGINT,
    train_to_ms BIGINT,
    train_rmse DOUBLE,
    validation_rmse DOUBLE,
    baseline_rmse DOUBLE,
    stage VARCHAR(16) NOT NULL,
    created_ms BIGINT NOT NULL,
    site_id VARCHAR(64) NOT NULL,
    change_seq BIGINT NOT NULL,
    INDEX forecast_models_camera (camera_id, stage),
    CONSTRAINT forecast_models_camera_fk FOREIGN KEY (camera_id) REFERENCES cameras (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE forecasts (
    camera_id BIGINT NOT NULL,
    issued_ms BIGINT NOT NULL,
    ts_ms BIGINT NOT NULL,
    model_id BIGINT NOT NULL,
    mean DOUBLE NOT NULL,
    lower80 DOUBLE NOT NULL,
    upper80 DOUBLE NOT NULL,
    lower95 DOUBLE NOT NULL,
    upper95 DOUBLE NOT NULL,
    site_id VARCHAR(64) NOT NULL,
    change_seq BIGINT NOT NULL,
    PRIMARY KEY (camera_id, ts_ms, issued_ms),
    CONSTRAINT forecasts_camera FOREIGN KEY (camera_id) REFERENCES cameras (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
