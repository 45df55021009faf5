//! The barn PC's setup through the API, on SQLite and MariaDB: the desktop
//! window's account is the farm's admin and a guesser cannot lock it out;
//! the first-run setup; passwords changed and reset end earlier sessions;
//! ingest keys listed with their last use.

use animov_api::Role;
use animov_http::AppState;
use axum::http::StatusCode;
use serde_json::json;

use crate::common::{Cred, envs, now, post_json};

#[tokio::test]
async fn the_window_signs_in_as_admin_and_a_guesser_cannot_lock_it_out() {
    for e in envs().await {
        let b = e.backend;
        // An install from before: the window's account was an operator.
        animov_engine::users::add_user(&e.state.store, "local", Role::Operator, "unusable-1234")
            .await
            .unwrap();
        let state = AppState::with_local_secret(
            e.state.engine().clone(),
            b"test signing key, 32 bytes long!",
            Some("the-right-secret".into()),
        );
        let app = animov_http::app(state);
        let call = |secret: &'static str| {
            let app = app.clone();
            async move { post_json(&app, "/api/v1/auth/local", json!({ "secret": secret })).await }
        };
        // Another local process guesses: refused, then slowed down...
        let mut statuses = Vec::new();
        for _ in 0..8 {
            statuses.push(call("a-guess").await.0);
        }
        assert_eq!(statuses[0], StatusCode::UNAUTHORIZED, "{b}");
        assert_eq!(statuses[7], StatusCode::TOO_MANY_REQUESTS, "{b}");
        // ...but the window, which holds the secret, still signs in, as admin.
        let (s, v) = call("the-right-secret").await;
        assert_eq!(s, StatusCode::OK, "{b}: {v}");
        assert_eq!(v["user"]["role"], "admin", "{b}");
        assert_eq!(
            e.state.store.user("local").await.unwrap().unwrap().role,
            Role::Admin,
            "{b}: the old operator account now owns the farm"
        );
        // And it can do what an admin does.
        let token = v["token"].as_str().unwrap();
        let (s, _) = e
            .call("GET", "/api/v1/setup", Cred::Bearer(token), None)
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
    }
}

#[tokio::test]
async fn first_run_setup_saves_the_farm_and_creates_the_admin_account() {
    for e in envs().await {
        let b = e.backend;
        let admin = e.login("admin").await;
        let vet = e.login("victor").await;
        let (s, v) = e
            .call("GET", "/api/v1/setup", Cred::Bearer(&admin), None)
            .await;
        assert_eq!(s, StatusCode::OK, "{b}: {v}");
        assert_eq!(v["needed"], true, "{b}: a fresh install without cameras");
        assert!(
            v["time_zones"]
                .as_array()
                .unwrap()
                .iter()
                .any(|z| z == "Europe/Paris")
        );
        assert_eq!(v["time_zone"], v["detected_time_zone"], "{b}");
        let (s, _) = e
            .call("GET", "/api/v1/setup", Cred::Bearer(&vet), None)
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");

        let farm = |tz: &str, user: &str, pw: &str| {
            json!({"farm_name": "La Chèvrerie", "time_zone": tz, "language": "fr",
                   "admin": {"username": user, "password": pw}})
        };
        for (body, field) in [
            (farm("Mars/Olympus", "marie", "des-chevres-1"), "time_zone"),
            (farm("Europe/Paris", "marie", "court"), "admin.password"),
            (
                farm("Europe/Paris", "bad name!", "des-chevres-1"),
                "admin.username",
            ),
        ] {
            let (s, v) = e
                .call("PUT", "/api/v1/setup", Cred::Bearer(&admin), Some(body))
                .await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}: {v}");
            assert_eq!(v["error"]["field"], field, "{b}: {v}");
        }
        let (s, v) = e
            .call(
                "PUT",
                "/api/v1/setup",
                Cred::Bearer(&admin),
                Some(farm("Europe/Paris", "admin", "des-chevres-1")),
            )
            .await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (StatusCode::CONFLICT, Some("username_taken")),
            "{b}: {v}"
        );
        let (_, v) = e
            .call("GET", "/api/v1/setup", Cred::Bearer(&admin), None)
            .await;
        assert_eq!(v["needed"], true, "{b}: nothing saved by refused attempts");

        let (s, v) = e
            .call(
                "PUT",
                "/api/v1/setup",
                Cred::Bearer(&admin),
                Some(farm("Europe/Paris", "marie", "des-chevres-1")),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}: {v}");
        assert_eq!(
            (
                v["needed"].as_bool(),
                v["farm_name"].as_str(),
                v["time_zone"].as_str()
            ),
            (Some(false), Some("La Chèvrerie"), Some("Europe/Paris")),
            "{b}"
        );
        let marie = e.login_with("marie", "des-chevres-1").await;
        let (_, me) = e
            .call("GET", "/api/v1/auth/me", Cred::Bearer(&marie), None)
            .await;
        assert_eq!(me["role"], "admin", "{b}");
        // The farm's time zone drives the alert hours from now on.
        let rules = animov_engine::alerting::rules_for(e.state.engine(), 1)
            .await
            .unwrap();
        let paris = animov_engine::farm::offset_minutes("Europe/Paris", e.state.now_ms()).unwrap();
        assert_eq!(rules.utc_offset_minutes, paris, "{b}");
    }
}

#[tokio::test]
async fn changed_reset_and_recreated_passwords_end_earlier_sessions() {
    for e in envs().await {
        let b = e.backend;
        let admin = e.login("admin").await;
        let olga = e.login("olga").await;
        let olga_phone = e.login("olga").await;
        let me = |t: String| {
            let e = &e;
            async move {
                e.call("GET", "/api/v1/auth/me", Cred::Bearer(&t), None)
                    .await
            }
        };
        // Her own change: the current password is checked.
        let (s, v) = e
            .call(
                "PUT",
                "/api/v1/auth/password",
                Cred::Bearer(&olga),
                Some(json!({"current_password": "nope-nope", "new_password": "new-password-1"})),
            )
            .await;
        assert_eq!(
            (s, v["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("current_password")),
            "{b}"
        );
        let (s, v) = e
            .call(
                "PUT",
                "/api/v1/auth/password",
                Cred::Bearer(&olga),
                Some(json!({"current_password": "password-123", "new_password": "new-password-1"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}: {v}");
        let fresh = v["token"].as_str().unwrap().to_string();
        assert_eq!(
            me(fresh.clone()).await.0,
            StatusCode::OK,
            "{b}: the session that changed it goes on"
        );
        let (s, v) = me(olga_phone.clone()).await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("session_ended")),
            "{b}"
        );
        e.login_with("olga", "new-password-1").await;

        // Reset by an admin: her sessions end at once.
        let (s, _) = e
            .call(
                "PUT",
                "/api/v1/users/olga/password",
                Cred::Bearer(&olga_phone),
                Some(json!({"password": "x"})),
            )
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{b}");
        let (s, v) = e
            .call(
                "PUT",
                "/api/v1/users/olga/password",
                Cred::Bearer(&admin),
                Some(json!({"password": "short"})),
            )
            .await;
        assert_eq!(
            (s, v["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("password")),
            "{b}"
        );
        let (s, _) = e
            .call(
                "PUT",
                "/api/v1/users/olga/password",
                Cred::Bearer(&admin),
                Some(json!({"password": "reset-password-2"})),
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
        assert_eq!(me(fresh).await.0, StatusCode::UNAUTHORIZED, "{b}");
        let (s, _) = e
            .call(
                "PUT",
                "/api/v1/users/nobody/password",
                Cred::Bearer(&admin),
                Some(json!({"password": "reset-password-2"})),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{b}");

        // Deleted, then re-created with the same name: old tokens stay dead.
        let victor = e.login("victor").await;
        let (s, _) = e
            .call("DELETE", "/api/v1/users/victor", Cred::Bearer(&admin), None)
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
        let (s, _) = e
            .call(
                "POST",
                "/api/v1/users",
                Cred::Bearer(&admin),
                Some(json!({"username": "victor", "role": "admin", "password": "password-123"})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        let (s, v) = me(victor).await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("session_ended")),
            "{b}"
        );
    }
}

#[tokio::test]
async fn ingest_keys_are_listed_with_their_last_use_never_the_key() {
    for e in envs().await {
        let b = e.backend;
        let admin = e.login("admin").await;
        let (s, v) = e
            .call(
                "POST",
                "/api/v1/api-keys",
                Cred::Bearer(&admin),
                Some(json!({"source": "jetson-1", "label": "barn 2"})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}: {v}");
        let key = v["key"].as_str().unwrap().to_string();
        let (_, list) = e
            .call("GET", "/api/v1/api-keys", Cred::Bearer(&admin), None)
            .await;
        assert_eq!(list[0]["last_used_ms"], serde_json::Value::Null, "{b}");
        assert!(
            !list.to_string().contains(&key),
            "{b}: the key is never shown again"
        );
        let before = now();
        let (s, _) = e
            .call("POST", "/api/v1/ingest", Cred::Key(&key),
                Some(json!({"source": "jetson-1", "frames": [{"ts_ms": before, "lying": 1, "standing": 2}]})))
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let (_, list) = e
            .call("GET", "/api/v1/api-keys", Cred::Bearer(&admin), None)
            .await;
        assert_eq!(
            (list[0]["source"].as_str(), list[0]["label"].as_str()),
            (Some("jetson-1"), Some("barn 2")),
            "{b}"
        );
        assert!(
            list[0]["last_used_ms"].as_i64().unwrap() >= before,
            "{b}: {list}"
        );
        let olga = e.login("olga").await;
        let (s, _) = e
            .call("GET", "/api/v1/api-keys", Cred::Bearer(&olga), None)
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    }
}
