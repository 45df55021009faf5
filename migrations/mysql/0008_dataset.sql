-- AniMOV schema v8 (MySQL/MariaDB): dataset frames for retraining. Each is a
-- picture taken from a recording (a JPEG under <data-dir>/dataset/) with its
-- boxes: the detector's until a person corrects them in the box editor, then
-- ground truth (reviewed_by set). (Text columns are VARCHAR: sqlx's Any
-- driver reads MySQL TEXT as BLOB.)

CREATE TABLE dataset_frames (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    camera_id BIGINT NOT NULL,
    ts_ms BIGINT NOT NULL,
    width INT NOT NULL,
    height INT NOT NULL,
    path VARCHAR(512) NOT NULL,
    boxes VARCHAR(12000) NOT NULL,
    origin VARCHAR(16) NOT NULL,
    reviewed_by VARCHAR(64) NULL,
    reviewed_ms BIGINT NULL,
    created_ms BIGINT NOT NULL,
    site_id VARCHAR(64) NOT NULL,
    change_seq BIGINT NOT NULL,
    CONSTRAINT dataset_frames_unique UNIQUE (camera_id, ts_ms),
    CONSTRAINT dataset_frames_camera FOREIGN KEY (camera_id) REFERENCES cameras (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
