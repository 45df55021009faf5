-- AniMOV schema v5 (SQLite): sessions that end when a password changes or a
-- user is re-created; when each ingest key was last used. Local to the site
-- (users and keys are not synced).

-- Sessions carry the user's session key; a new key (password changed or
-- reset, user re-created) ends every earlier session at once.
ALTER TABLE users ADD COLUMN session_key TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN last_used_ms INTEGER;
