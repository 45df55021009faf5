//! Series read through the hourly and daily rollups equal series read from
//! every minute, on SQLite and on MariaDB: before the rollups are made
//! (dirty hours read from minutes), after, after late frames reopen minutes
//! (and before those are rolled up again), and for windows whose edges cut
//! hours and days.

use animov_api::SourceKind;
use animov_core::{
    series::{PostureHists, series},
    time::{DAY_MS, HOUR_MS},
};
use animov_store::{NewFrame, Store, testing};

const T0: i64 = 1_732_838_400_000; // 2024-11-29T00:00Z
const MIN: i64 = 60_000;

async fn minutes(s: &Store, cam: i64, from: i64, to: i64) -> Vec<PostureHists> {
    s.posture_hists(cam, from, to).await.unwrap()
}

/// Every bucket size over windows cutting hours and days: rollups == minutes.
async fn check_all(s: &Store, cam: i64, what: &str) {
    let windows = [
        (T0, T0 + 5 * DAY_MS),
        (T0 + 7 * MIN, T0 + 3 * DAY_MS + 5 * HOUR_MS + 11 * MIN),
        (T0 + 23 * HOUR_MS, T0 + 2 * DAY_MS + HOUR_MS),
        (T0 + 10 * MIN, T0 + 50 * MIN),
        (T0 - DAY_MS, T0 + 6 * DAY_MS),
    ];
    for (from, to) in windows {
        let reference = minutes(s, cam, from, to).await;
        for bucket in [5 * MIN, 15 * MIN, HOUR_MS, DAY_MS] {
            let rolled = s.series_hists(cam, from, to, bucket).await.unwrap();
            assert_eq!(
                series(&rolled, bucket),
                series(&reference, bucket),
                "{what}: window {from}..{to}, bucket {bucket}"
            );
        }
    }
}

#[tokio::test]
async fn series_through_rollups_equal_series_from_minutes() {
    for t in testing::all().await {
        let s = &t.store;
        let b = t.backend;
        let cam = s.ensure_source("cam-1", SourceKind::Ingest).await.unwrap();
        // 5 days, a frame every 20 s, with a gap of 3 hours on day 2.
        let frames: Vec<NewFrame> = (0..5 * 24 * 180)
            .map(|i: i64| T0 + i * 20_000)
            .filter(|ts| !(T0 + DAY_MS + 5 * HOUR_MS..T0 + DAY_MS + 8 * HOUR_MS).contains(ts))
            .map(|ts| NewFrame {
                ts_ms: ts,
                lying: ((ts / 20_000) % 13) as u32,
                standing: ((ts / 20_000 * 7) % 11) as u32,
                detections: None,
            })
            .collect();
        for chunk in frames.chunks(5_000) {
            s.insert_frames(cam, chunk).await.unwrap();
        }
        s.close_pending(T0 + 6 * DAY_MS).await.unwrap();
        assert!(s.dirty_hour_count().await.unwrap() > 100, "{b}");
        check_all(s, cam, &format!("{b}, not rolled up")).await;
        while s.refresh_rollups(500).await.unwrap() > 0 {}
        assert_eq!(s.dirty_hour_count().await.unwrap(), 0, "{b}");
        check_all(s, cam, &format!("{b}, rolled up")).await;

        // Late frames reopen two minutes of day 3; closed, not yet rolled up, then rolled up.
        let late: Vec<NewFrame> = (0..6)
            .map(|i| NewFrame {
                ts_ms: T0 + 2 * DAY_MS + 10 * HOUR_MS + i * 17_000 + 5,
                lying: 40,
                standing: 1,
                detections: None,
            })
            .collect();
        s.insert_frames(cam, &late).await.unwrap();
        s.close_pending(T0 + 6 * DAY_MS).await.unwrap();
        assert_eq!(s.dirty_hour_count().await.unwrap(), 1, "{b}");
        check_all(s, cam, &format!("{b}, late frames, hour dirty")).await;
        while s.refresh_rollups(500).await.unwrap() > 0 {}
        check_all(s, cam, &format!("{b}, late frames rolled up")).await;
        // The day rollup holds the late frames: a daily series changed.
        let day = s
            .series_hists(cam, T0 + 2 * DAY_MS, T0 + 3 * DAY_MS, DAY_MS)
            .await
            .unwrap();
        assert_eq!(day.len(), 1, "{b}: one day row answers a whole day");
        assert_eq!(day[0].lying.stat().unwrap().max, 40, "{b}");
    }
}
