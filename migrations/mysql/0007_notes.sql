-- AniMOV schema v7 (MySQL/MariaDB): notes a vet, operator or admin writes on
-- a camera's time span (optionally a box on the picture), with tags; every
-- edit keeps the previous version. A note keeps the recording segments it
-- covers from retention. (Text columns are VARCHAR: sqlx's Any driver reads
-- MySQL TEXT as BLOB.)

CREATE TABLE notes (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    camera_id BIGINT NOT NULL,
    start_ms BIGINT NOT NULL,
    end_ms BIGINT NOT NULL,
    text VARCHAR(4000) NOT NULL,
    tags VARCHAR(1024) NOT NULL,
    box VARCHAR(200) NULL,
    author VARCHAR(64) NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    site_id VARCHAR(64) NOT NULL,
    change_seq BIGINT NOT NULL,
    CONSTRAINT notes_camera FOREIGN KEY (camera_id) REFERENCES cameras (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
CREATE INDEX notes_camera_start ON notes (camera_id, start_ms);

CREATE TABLE note_versions (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    note_id BIGINT NOT NULL,
    start_ms BIGINT NOT NULL,
    end_ms BIGINT NOT NULL,
    text VARCHAR(4000) NOT NULL,
    tags VARCHAR(1024) NOT NULL,
    box VARCHAR(200) NULL,
    edited_by VARCHAR(64) NOT NULL,
    edited_ms BIGINT NOT NULL,
    site_id VARCHAR(64) NOT NULL,
    change_seq BIGINT NOT NULL,
    CONSTRAINT note_versions_note FOREIGN KEY (note_id) REFERENCES notes (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
CREATE INDEX note_versions_note ON note_versions (note_id, id);
