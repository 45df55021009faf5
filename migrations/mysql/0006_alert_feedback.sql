-- AniMOV schema v6 (MySQL/MariaDB): the latest judgement on each alert
-- ("false alarm" or "useful"), who gave it and when; every judgement is also
-- in the alert's history. The judgements tune each camera's rules within bounds.

ALTER TABLE alerts ADD COLUMN feedback VARCHAR(16) NULL;
ALTER TABLE alerts ADD COLUMN feedback_by VARCHAR(64) NULL;
ALTER TABLE alerts ADD COLUMN feedback_ms BIGINT NULL;
CREATE INDEX alerts_feedback ON alerts (camera_id, feedback_ms);
