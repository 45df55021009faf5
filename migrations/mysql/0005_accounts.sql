-- AniMOV schema v5 (MySQL/MariaDB): sessions that end when a password changes
-- or a user is re-created; when each ingest key was last used. Local to the
-- site (users and keys are not synced).

ALTER TABLE users ADD COLUMN session_key VARCHAR(64) NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN last_used_ms BIGINT NULL;
