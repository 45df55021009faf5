-- AniMOV schema v9 (MySQL/MariaDB): sync between barn PCs (sites) and a central AniMOV.
--
-- A row's identity across nodes is (origin_site, origin_id): both NULL for a
-- row created on this node (its identity is then this node's site id and its
-- own id); set for a row received from another node (a site's row at the
-- central, a vet's note or alert event at the site). Tables keyed by camera
-- and time (minute_stats, forecasts, lying_bouts, camera settings and alert
-- rules) are identified by their camera's identity and their own key.
-- Which tables sync, in which direction, and their conflict rule: see
-- crates/animov-store/src/sync/tables.rs.

ALTER TABLE cameras ADD COLUMN origin_site VARCHAR(64) NULL, ADD COLUMN origin_id BIGINT NULL;
CREATE UNIQUE INDEX cameras_origin ON cameras (origin_site, origin_id);
ALTER TABLE recordings ADD COLUMN origin_site VARCHAR(64) NULL, ADD COLUMN origin_id BIGINT NULL;
CREATE UNIQUE INDEX recordings_origin ON recordings (origin_site, origin_id);
ALTER TABLE snapshots ADD COLUMN origin_site VARCHAR(64) NULL, ADD COLUMN origin_id BIGINT NULL;
CREATE UNIQUE INDEX snapshots_origin ON snapshots (origin_site, origin_id);
ALTER TABLE forecast_models ADD COLUMN origin_site VARCHAR(64) NULL, ADD COLUMN origin_id BIGINT NULL;
CREATE UNIQUE INDEX forecast_models_origin ON forecast_models (origin_site, origin_id);
ALTER TABLE alerts ADD COLUMN origin_site VARCHAR(64) NULL, ADD COLUMN origin_id BIGINT NULL;
CREATE UNIQUE INDEX alerts_origin ON alerts (origin_site, origin_id);
ALTER TABLE alert_events ADD COLUMN origin_site VARCHAR(64) NULL, ADD COLUMN origin_id BIGINT NULL;
CREATE UNIQUE INDEX alert_events_origin ON alert_events (origin_site, origin_id);
ALTER TABLE notes ADD COLUMN origin_site VARCHAR(64) NULL, ADD COLUMN origin_id BIGINT NULL;
CREATE UNIQUE INDEX notes_origin ON notes (origin_site, origin_id);
ALTER TABLE note_versions ADD COLUMN origin_site VARCHAR(64) NULL, ADD COLUMN origin_id BIGINT NULL;
CREATE UNIQUE INDEX note_versions_origin ON note_versions (origin_site, origin_id);
ALTER TABLE dataset_frames ADD COLUMN origin_site VARCHAR(64) NULL, ADD COLUMN origin_id BIGINT NULL;
CREATE UNIQUE INDEX dataset_frames_origin ON dataset_frames (origin_site, origin_id);

-- Camera settings become a synced table like alert rules.
ALTER TABLE camera_settings ADD COLUMN site_id VARCHAR(64) NOT NULL DEFAULT '', ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;
UPDATE camera_settings SET site_id = (SELECT site_id FROM site WHERE id = 1);

-- The up-stream reads each table in change order.
CREATE INDEX cameras_seq ON cameras (change_seq);
CREATE INDEX recordings_seq ON recordings (change_seq);
CREATE INDEX snapshots_seq ON snapshots (change_seq);
CREATE INDEX lying_bouts_seq ON lying_bouts (change_seq);
CREATE INDEX forecast_models_seq ON forecast_models (change_seq);
CREATE INDEX forecasts_seq ON forecasts (change_seq);
CREATE INDEX alerts_seq ON alerts (change_seq);
CREATE INDEX alert_events_seq ON alert_events (change_seq);
CREATE INDEX alert_rules_seq ON alert_rules (change_seq);
CREATE INDEX notes_seq ON notes (change_seq);
CREATE INDEX note_versions_seq ON note_versions (change_seq);
CREATE INDEX dataset_frames_seq ON dataset_frames (change_seq);
CREATE INDEX camera_settings_seq ON camera_settings (change_seq);

-- Rows deleted here (a user's delete, retention) that the central must delete too.
CREATE TABLE sync_tombstones (
    seq BIGINT NOT NULL PRIMARY KEY,
    tbl VARCHAR(40) NOT NULL,
    origin_site VARCHAR(64) NOT NULL,
    origin_id BIGINT NOT NULL,
    deleted_ms BIGINT NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- Site: how far each table went up (committed by the central), and how far
-- the central's changes came down.
CREATE TABLE sync_cursors (
    tbl VARCHAR(40) NOT NULL PRIMARY KEY,
    seq BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- Central: the sites that joined, with their credential (hash) and state.
CREATE TABLE sync_sites (
    site_id VARCHAR(64) NOT NULL PRIMARY KEY,
    name VARCHAR(120) NOT NULL,
    farm VARCHAR(120) NOT NULL,
    time_zone VARCHAR(64) NOT NULL,
    version VARCHAR(40) NOT NULL,
    credential_hash VARCHAR(128) NOT NULL,
    enrolled_ms BIGINT NOT NULL,
    enrolled_by VARCHAR(64) NOT NULL,
    last_contact_ms BIGINT,
    skew_ms BIGINT,
    backlog VARCHAR(4000),
    revoked_ms BIGINT
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- Central: one-time enrolment codes (hash), valid until expiry or first use.
CREATE TABLE sync_enrolments (
    code_hash VARCHAR(128) NOT NULL PRIMARY KEY,
    created_by VARCHAR(64) NOT NULL,
    created_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL,
    used_ms BIGINT,
    used_by_site VARCHAR(64)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- Central: what people wrote here about a site's data (notes, alert events),
-- in order, for that site to pull down (a deleted row by its identity).
CREATE TABLE sync_down (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    site_id VARCHAR(64) NOT NULL,
    tbl VARCHAR(40) NOT NULL,
    row_id BIGINT NOT NULL,
    deleted BIGINT NOT NULL,
    origin_site VARCHAR(64) NOT NULL,
    origin_id BIGINT NOT NULL,
    ts_ms BIGINT NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
CREATE INDEX sync_down_site ON sync_down (site_id, id);
