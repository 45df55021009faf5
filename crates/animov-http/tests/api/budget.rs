//! Time budgets of tracked goats: a day's lying per hour and per goat
//! against the 7 days before, as JSON and CSV.

use crate::common::{Cred, envs, now};
use animov_store::BoutRow;
use axum::http::StatusCode;

#[tokio::test]
async fn a_days_lying_per_hour_and_per_goat_against_the_week_before() {
    const H: i64 = 3_600_000;
    const DAY: i64 = 24 * H;
    for e in envs().await {
        let b = e.backend;
        let vet = e.login("victor").await;
        let cam = e
            .state
            .store
            .ensure_source("pen", animov_api::SourceKind::Camera)
            .await
            .unwrap();
        let day = (now() / DAY - 1) * DAY;
        // Each of the 7 days before: goat 1 lies 2 h from 10:00. The day: goat 1
        // lies 10:00–13:00, goat 2 10:30–11:00 and 23:30 until after midnight.
        let mut rows = Vec::new();
        for k in 1..=7 {
            rows.push((1, day - k * DAY + 10 * H, day - k * DAY + 12 * H));
        }
        rows.extend([
            (1, day + 10 * H, day + 13 * H),
            (2, day + 10 * H + H / 2, day + 11 * H),
            (2, day + 23 * H + H / 2, day + 25 * H),
        ]);
        let bouts: Vec<BoutRow> = rows
            .into_iter()
            .map(|(track_id, start_ms, end_ms)| BoutRow {
                camera_id: cam,
                track_id,
                start_ms,
                end_ms,
                running: false,
            })
            .collect();
        e.state.store.upsert_bouts(&bouts).await.unwrap();
        let q = format!("source=pen&from={day}&to={}", day + DAY);
        let (s, v) = e
            .call(
                "GET",
                &format!("/api/v1/time-budget?{q}"),
                Cred::Bearer(&vet),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b} {v}");
        assert_eq!(v["day"]["lying_min"], 180.0 + 30.0 + 30.0, "{b} {v}");
        assert_eq!(
            (v["day"]["bouts"].as_u64(), v["day"]["goats"].as_u64()),
            (Some(3), Some(2))
        );
        let hours = v["hours"].as_array().unwrap();
        assert_eq!(hours.len(), 24, "{b}");
        assert_eq!(hours[10]["lying_min"], 60.0 + 30.0, "{b}");
        assert_eq!(hours[10]["bouts"], 2, "{b}");
        let prev = v["previous"].as_array().unwrap();
        assert_eq!(prev.len(), 7, "{b}");
        assert!(prev.iter().all(|p| p["lying_min"] == 120.0), "{b} {prev:?}");
        assert_eq!(
            prev[0]["start_ms"].as_i64(),
            Some(day - 7 * DAY),
            "{b}: oldest first"
        );
        // The Gantt: bouts per goat, cut to the day.
        let g = v["bouts"].as_array().unwrap();
        assert_eq!(g.len(), 3, "{b}");
        assert_eq!(g[2]["end_ms"].as_i64(), Some(day + DAY), "{b}");
        let (s, csv) = e
            .call_text(
                "GET",
                &format!("/api/v1/time-budget.csv?{q}"),
                Cred::Bearer(&vet),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[0],
            "kind,track_id,start,end,lying_min,bouts,mean_bout_min,goats"
        );
        assert_eq!(lines.len(), 1 + 24 + 1 + 3, "{b} {csv}");
        // The page's download link carries its token in the query.
        let (s, linked) = e
            .call_text(
                "GET",
                &format!("/api/v1/time-budget.csv?{q}&access_token={vet}"),
                Cred::None,
            )
            .await;
        assert_eq!((s, linked.as_str()), (StatusCode::OK, csv.as_str()), "{b}");
        let (s, _) = e
            .call_text("GET", &format!("/api/v1/time-budget.csv?{q}"), Cred::None)
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{b}");
        assert!(
            lines[25].starts_with("day,,") && lines[25].contains(",240.0,3,"),
            "{b} {}",
            lines[25]
        );
        let (s, _) = e
            .call(
                "GET",
                &format!(
                    "/api/v1/time-budget?source=pen&from={day}&to={}",
                    day + 3 * DAY
                ),
                Cred::Bearer(&vet),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{b}: one day at a time");
    }
}
