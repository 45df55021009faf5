-- Hourly and daily rollups of the minutes' posture histograms (merged, so
-- medians stay exact): long series read them instead of every minute.
-- span_ms is 3600000 (hours) or 86400000 (UTC days).
CREATE TABLE posture_rollups (
    camera_id BIGINT NOT NULL,
    span_ms BIGINT NOT NULL,
    ts BIGINT NOT NULL,
    lying_hist VARCHAR(4000) NOT NULL,
    standing_hist VARCHAR(4000) NOT NULL,
    PRIMARY KEY (camera_id, span_ms, ts),
    CONSTRAINT posture_rollups_camera FOREIGN KEY (camera_id) REFERENCES cameras (id) ON DELETE CASCADE
) ENGINE = InnoDB;

-- Hours whose minutes changed since their rollup was made: read from the
-- minutes until the minute closer makes them again.
CREATE TABLE dirty_hours (
    camera_id BIGINT NOT NULL,
    hour_ts BIGINT NOT NULL,
    gen BIGINT NOT NULL,
    PRIMARY KEY (camera_id, hour_ts)
) ENGINE = InnoDB;

-- Existing minutes: every hour is made once, in the background.
INSERT INTO dirty_hours (camera_id, hour_ts, gen)
SELECT DISTINCT camera_id, minute_ts - (minute_ts % 3600000), 1 FROM minute_stats;
