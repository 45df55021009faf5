-- Hourly and daily rollups of the minutes' posture histograms (merged, so
-- medians stay exact): long series read them instead of every minute.
-- span_ms is 3600000 (hours) or 86400000 (UTC days).
CREATE TABLE posture_rollups (
    camera_id INTEGER NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,
    span_ms INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    lying_hist TEXT NOT NULL,
    standing_hist TEXT NOT NULL,
    PRIMARY KEY (camera_id, span_ms, ts)
) WITHOUT ROWID;

-- Hours whose minutes changed since their rollup was made: read from the
-- minutes until the minute closer makes them again.
CREATE TABLE dirty_hours (
    camera_id INTEGER NOT NULL,
    hour_ts INTEGER NOT NULL,
    gen INTEGER NOT NULL,
    PRIMARY KEY (camera_id, hour_ts)
) WITHOUT ROWID;

-- Existing minutes: every hour is made once, in the background.
INSERT INTO dirty_hours (camera_id, hour_ts, gen)
SELECT DISTINCT camera_id, minute_ts - (minute_ts % 3600000), 1 FROM minute_stats;
