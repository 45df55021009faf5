//! Sign-in, sessions, roles, users and the desktop window's sign-in, on SQLite and MariaDB.

use crate::common::{Cred, envs, now};
use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use serde_json::json;

#[tokio::test]
async fn sign_in_sessions_and_sign_out() {
    for e in envs().await {
        let b = e.backend;
        let (s, v) = e
            .call(
                "POST",
                "/api/v1/auth/login",
                Cred::None,
                Some(json!({"username": "admin", "password": "nope-nope"})),
            )
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{b}");
        assert_eq!(v["error"]["code"], "bad_credentials");
        let (s, _) = e
            .call(
                "POST",
                "/api/v1/auth/login",
                Cred::None,
                Some(json!({"username": "ghost", "password": "password-123"})),
            )
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);

        let (s, v) = e
            .call(
                "POST",
                "/api/v1/auth/login",
                Cred::None,
                Some(json!({"username": "victor", "password": "password-123"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["user"], json!({"username": "victor", "role": "vet"}));
        assert!(v["expires_at"].as_i64().unwrap() > now());
        let token = v["token"].as_str().unwrap().to_string();

        let (s, v) = e
            .call("GET", "/api/v1/auth/me", Cred::Bearer(&token), None)
            .await;
        assert_eq!(
            (s, v["username"].as_str()),
            (StatusCode::OK, Some("victor"))
        );

        let (s, v) = e.call("GET", "/api/v1/cameras", Cred::None, None).await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("missing_token"))
        );
        let (s, v) = e
            .call("GET", "/api/v1/cameras", Cred::Bearer("abc.def.ghi"), None)
            .await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("invalid_token"))
        );
        // A token that expired an hour ago, correctly signed.
        let (expired, _) =
            e.state
                .tokens
                .issue("victor", animov_api::Role::Vet, "", now() - 13 * 3_600_000);
        let (s, v) = e
            .call("GET", "/api/v1/cameras", Cred::Bearer(&expired), None)
            .await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("token_expired"))
        );
        // Same claims signed with another key: forged.
        let other = animov_auth::Tokens::new(b"someone else's key, 32 bytes....", 12);
        let (forged, _) = other.issue("admin", animov_api::Role::Admin, "", now());
        let (s, _) = e
            .call("GET", "/api/v1/cameras", Cred::Bearer(&forged), None)
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);

        let (s, _) = e
            .call("POST", "/api/v1/auth/logout", Cred::Bearer(&token), None)
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (s, v) = e
            .call("GET", "/api/v1/auth/me", Cred::Bearer(&token), None)
            .await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("token_revoked")),
            "{b}"
        );
    }
}

#[tokio::test]
async fn login_is_rate_limited() {
    for e in envs().await {
        for _ in 0..5 {
            let (s, _) = e
                .call(
                    "POST",
                    "/api/v1/auth/login",
                    Cred::None,
                    Some(json!({"username": "olga", "password": "wrong-wrong"})),
                )
                .await;
            assert_eq!(s, StatusCode::UNAUTHORIZED);
        }
        let req = Request::post("/api/v1/auth/login")
            .header("content-type", "application/json")
            .body(Body::from(
                json!({"username": "olga", "password": "password-123"}).to_string(),
            ))
            .unwrap();
        let (s, v, h) = e.raw(req).await;
        assert_eq!(
            s,
            StatusCode::TOO_MANY_REQUESTS,
            "even the right password waits"
        );
        assert_eq!(v["error"]["code"], "too_many_attempts");
        assert!(h.get("retry-after").is_some());
        // Other users are not locked out.
        e.login("victor").await;
    }
}

#[tokio::test]
async fn the_desktop_window_signs_in_with_its_per_launch_secret() {
    let t = animov_store::testing::sqlite().await;
    let post = |app: axum::Router, secret: &'static str| async move {
        crate::common::post_json(&app, "/api/v1/auth/local", json!({ "secret": secret })).await
    };
    let cfg = animov_engine::config::Config::default;
    let with = animov_http::AppState::with_local_secret(
        animov_engine::Engine::new(t.store.clone(), cfg()),
        b"test signing key, 32 bytes long!",
        Some("s3cr3t-of-this-launch".into()),
    );
    let app = animov_http::app(with);
    let (s, v) = post(app.clone(), "s3cr3t-of-this-launch").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["user"], json!({"username": "local", "role": "admin"}));
    let (s, _) = post(app.clone(), "s3cr3t-of-this-launch").await;
    assert_eq!(s, StatusCode::OK, "the local user is reused");
    let (s, v) = post(app, "guess").await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("bad_credentials"))
    );
    // An engine started without a desktop shell accepts no local sign-in at all.
    let without = animov_http::AppState::new(
        animov_engine::Engine::new(t.store.clone(), cfg()),
        b"test signing key, 32 bytes long!",
    );
    let (s, _) = post(animov_http::app(without), "").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn admins_manage_users_and_see_where_data_lives() {
    for e in envs().await {
        let b = e.backend;
        let admin = e.login("admin").await;
        let vet = e.login("victor").await;
        let (s, _) = e
            .call("GET", "/api/v1/users", Cred::Bearer(&vet), None)
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
        let (s, v) = e
            .call(
                "POST",
                "/api/v1/users",
                Cred::Bearer(&admin),
                Some(json!({"username": "vera", "role": "vet", "password": "long-enough-1"})),
            )
            .await;
        assert_eq!(
            (s, &v),
            (
                StatusCode::CREATED,
                &json!({"username": "vera", "role": "vet"})
            )
        );
        let (s, v) = e
            .call(
                "POST",
                "/api/v1/users",
                Cred::Bearer(&admin),
                Some(json!({"username": "vera", "role": "vet", "password": "long-enough-1"})),
            )
            .await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (StatusCode::CONFLICT, Some("username_taken"))
        );
        let (s, v) = e
            .call(
                "POST",
                "/api/v1/users",
                Cred::Bearer(&admin),
                Some(json!({"username": "x", "role": "vet", "password": "short"})),
            )
            .await;
        assert_eq!(
            (s, v["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("password"))
        );
        let (s, v) = e
            .call("GET", "/api/v1/users", Cred::Bearer(&admin), None)
            .await;
        assert_eq!(s, StatusCode::OK);
        let names: Vec<&str> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["username"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["admin", "olga", "vera", "victor"]);
        let (s, _) = e
            .call("DELETE", "/api/v1/users/admin", Cred::Bearer(&admin), None)
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "not yourself");
        let (s, _) = e
            .call("DELETE", "/api/v1/users/victor", Cred::Bearer(&admin), None)
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (s, _) = e
            .call("GET", "/api/v1/cameras", Cred::Bearer(&vet), None)
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "a deleted user's session ends");
        let (s, _) = e
            .call("DELETE", "/api/v1/users/victor", Cred::Bearer(&admin), None)
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, v) = e
            .call("GET", "/api/v1/system", Cred::Bearer(&admin), None)
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(v["site_id"].as_str().is_some_and(|x| !x.is_empty()), "{v}");
        let op = e.login("olga").await;
        let (s, _) = e
            .call("GET", "/api/v1/system", Cred::Bearer(&op), None)
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
}

/// Sessions end by the engine's clock: twelve hours later by the clock, the
/// token is refused, with no twelve hours to wait.
#[tokio::test]
async fn sessions_expire_by_the_engine_clock() {
    let clock = std::sync::Arc::new(animov_engine::clock::ManualClock::new(now()));
    let e = crate::common::env_with_seams(animov_engine::Seams {
        clock: clock.clone(),
        mailer: std::sync::Arc::new(animov_engine::mail::RecordingMailer::new()),
    })
    .await;
    let token = e.login("olga").await;
    let (s, _) = e
        .call("GET", "/api/v1/auth/me", Cred::Bearer(&token), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    clock.advance(12 * 3_600_000 - 1_000);
    let (s, _) = e
        .call("GET", "/api/v1/auth/me", Cred::Bearer(&token), None)
        .await;
    assert_eq!(s, StatusCode::OK, "still within the 12 h");
    clock.advance(1_000);
    let (s, v) = e
        .call("GET", "/api/v1/auth/me", Cred::Bearer(&token), None)
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("token_expired"))
    );
}
