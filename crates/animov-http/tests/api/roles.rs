//! The role matrix (issue 18, item 7): every operation of the OpenAPI
//! document, and the routes kept for the prototype that it does not list,
//! called as each of seven principals — anonymous, vet, operator, admin, the
//! ingest key of another source, an expired token, a revoked token — must
//! answer what one declared table says: let in (any answer but 401/403, and
//! never a 5xx), 401, 403, or 409 for a central's routes on this site. A
//! refusal comes before the request's body or query is read: nobody learns
//! from a 422 what a route they may not call expects.

use std::collections::BTreeSet;

use animov_api::Role::{self, Admin, Operator, Vet};
use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::common::{Cred, Env, envs, frames, t0};

/// Who may call a route.
#[derive(Clone, Copy, Debug)]
enum Access {
    /// Anyone, signed in or not: signing in, health, version, the docs page.
    Public,
    /// A session of one of these roles.
    Roles(&'static [Role]),
    /// A session of admin or operator, or the ingest key of the source written to.
    Ingest,
    /// A central's route for its sites (their own credential): this barn PC
    /// is a site, so every principal is told so (409) before any credential
    /// is looked at.
    CentralOnly,
    /// Anyone who holds the central's enrolment code, which goes in the body:
    /// no principal is refused for who it is (the missing code is a 422).
    Enrolment,
}
use Access::*;

const ANY: &[Role] = &[Admin, Operator, Vet];
const FARM: &[Role] = &[Admin, Operator];
const ADMIN: &[Role] = &[Admin];

/// The declared table: method, path (as the OpenAPI document writes it), access.
const TABLE: &[(&str, &str, Access)] = &[
    // Signing in and out.
    ("POST", "/api/v1/auth/login", Public),
    ("POST", "/api/v1/auth/local", Public),
    ("POST", "/api/v1/auth/logout", Roles(ANY)),
    ("GET", "/api/v1/auth/me", Roles(ANY)),
    ("PUT", "/api/v1/auth/password", Roles(ANY)),
    ("GET", "/api/v1/api-keys", Roles(ADMIN)),
    ("POST", "/api/v1/api-keys", Roles(ADMIN)),
    ("DELETE", "/api/v1/api-keys/{id}", Roles(ADMIN)),
    // The farm, users, storage.
    ("GET", "/api/v1/setup", Roles(ADMIN)),
    ("PUT", "/api/v1/setup", Roles(ADMIN)),
    ("GET", "/api/v1/storage", Roles(ADMIN)),
    ("PUT", "/api/v1/storage", Roles(ADMIN)),
    ("GET", "/api/v1/users", Roles(ADMIN)),
    ("POST", "/api/v1/users", Roles(ADMIN)),
    ("DELETE", "/api/v1/users/{username}", Roles(ADMIN)),
    ("PUT", "/api/v1/users/{username}/password", Roles(ADMIN)),
    ("GET", "/api/v1/system", Roles(ADMIN)),
    // Writing frames.
    ("POST", "/api/v1/ingest", Ingest),
    ("POST", "/receive_data_animov", Ingest),
    ("POST", "/api/v1/import/csv", Roles(FARM)),
    // Reading statistics.
    ("GET", "/api/v1/cameras", Roles(ANY)),
    ("GET", "/api/v1/live", Roles(ANY)),
    ("GET", "/api/v1/events", Roles(ANY)),
    ("GET", "/api/v1/dates", Roles(ANY)),
    ("GET", "/api/v1/stats/minutes", Roles(ANY)),
    ("GET", "/api/v1/stats/consolidated", Roles(ANY)),
    ("GET", "/api/v1/stats/hourly", Roles(ANY)),
    ("GET", "/api/v1/series", Roles(ANY)),
    ("GET", "/api/v1/series/last", Roles(ANY)),
    ("GET", "/api/v1/time-budget", Roles(ANY)),
    ("GET", "/api/v1/time-budget.csv", Roles(ANY)),
    // The service itself.
    ("GET", "/health", Public),
    ("GET", "/api/v1/version", Public),
    ("GET", "/api/v1/server/tls", Roles(ANY)),
    ("GET", "/metrics", Roles(ANY)),
    ("GET", "/api/v1/openapi.json", Roles(ANY)),
    // Cameras.
    ("POST", "/api/v1/cameras", Roles(ADMIN)),
    ("PUT", "/api/v1/cameras/{source}", Roles(ADMIN)),
    ("DELETE", "/api/v1/cameras/{source}", Roles(ADMIN)),
    ("GET", "/api/v1/cameras/health", Roles(ANY)),
    ("GET", "/api/v1/cameras/{source}/vision", Roles(ANY)),
    ("PUT", "/api/v1/cameras/{source}/vision", Roles(ADMIN)),
    (
        "POST",
        "/api/v1/cameras/{source}/posture/calibrate",
        Roles(FARM),
    ),
    (
        "POST",
        "/api/v1/cameras/{source}/threshold/calibrate",
        Roles(FARM),
    ),
    ("POST", "/api/v1/cameras/test", Roles(ADMIN)),
    ("POST", "/api/v1/cameras/{source}/preview", Roles(FARM)),
    ("GET", "/api/v1/cameras/devices", Roles(ADMIN)),
    ("POST", "/api/v1/videos", Roles(ADMIN)),
    ("GET", "/api/v1/detectors", Roles(ANY)),
    ("POST", "/api/v1/detectors", Roles(ADMIN)),
    ("DELETE", "/api/v1/detectors/{name}", Roles(ADMIN)),
    ("GET", "/api/v1/cameras/{source}/live.jpg", Roles(ANY)),
    ("GET", "/api/v1/cameras/{source}/live.json", Roles(ANY)),
    ("GET", "/api/v1/cameras/{source}/live.mjpg", Roles(ANY)),
    // Recordings, snapshots, clips: the vet's review.
    ("GET", "/api/v1/recordings", Roles(ANY)),
    ("GET", "/api/v1/recordings/{id}/video", Roles(ANY)),
    ("GET", "/api/v1/recordings/{id}/mp4", Roles(ANY)),
    ("PUT", "/api/v1/recordings/{id}/keep", Roles(ANY)),
    ("DELETE", "/api/v1/recordings/{id}", Roles(ADMIN)),
    ("GET", "/api/v1/detections", Roles(ANY)),
    ("POST", "/api/v1/clips", Roles(ANY)),
    ("GET", "/api/v1/clips/{id}", Roles(ANY)),
    ("GET", "/api/v1/snapshots", Roles(ANY)),
    ("GET", "/api/v1/snapshots/{id}/image", Roles(ANY)),
    ("GET", "/api/v1/lying-bouts", Roles(ANY)),
    // Datasets (boxes corrected by people).
    ("POST", "/api/v1/dataset/sample", Roles(ANY)),
    ("GET", "/api/v1/dataset/frames", Roles(ANY)),
    ("GET", "/api/v1/dataset/frames/{id}/image", Roles(ANY)),
    ("PUT", "/api/v1/dataset/frames/{id}", Roles(ANY)),
    ("DELETE", "/api/v1/dataset/frames/{id}", Roles(ANY)),
    ("POST", "/api/v1/dataset/export", Roles(ANY)),
    ("GET", "/api/v1/dataset/exports/{id}", Roles(ANY)),
    // Forecasts and their models.
    ("GET", "/api/v1/forecasts", Roles(ANY)),
    ("GET", "/api/v1/forecasts/compare", Roles(ANY)),
    ("GET", "/api/v1/models", Roles(ANY)),
    ("POST", "/api/v1/models/forecast/train", Roles(ADMIN)),
    ("GET", "/api/v1/models/retrain", Roles(ANY)),
    ("POST", "/api/v1/models/retrain", Roles(ADMIN)),
    ("POST", "/api/v1/models/{id}/promote", Roles(ADMIN)),
    ("POST", "/api/v1/models/{id}/archive", Roles(ADMIN)),
    ("GET", "/api/v1/jobs/{id}", Roles(ANY)),
    // Notes.
    ("GET", "/api/v1/notes", Roles(ANY)),
    ("POST", "/api/v1/notes", Roles(ANY)),
    ("GET", "/api/v1/notes.csv", Roles(ANY)),
    ("GET", "/api/v1/notes/tags", Roles(ANY)),
    ("PUT", "/api/v1/notes/tags", Roles(ADMIN)),
    ("GET", "/api/v1/notes/{id}", Roles(ANY)),
    ("PUT", "/api/v1/notes/{id}", Roles(ANY)),
    ("DELETE", "/api/v1/notes/{id}", Roles(ANY)),
    // Alerts.
    ("GET", "/api/v1/alerts", Roles(ANY)),
    ("GET", "/api/v1/alerts/summary", Roles(ANY)),
    ("GET", "/api/v1/alerts/{id}", Roles(ANY)),
    ("POST", "/api/v1/alerts/{id}/ack", Roles(ANY)),
    ("POST", "/api/v1/alerts/{id}/resolve", Roles(FARM)),
    ("POST", "/api/v1/alerts/{id}/notes", Roles(ANY)),
    ("POST", "/api/v1/alerts/{id}/feedback", Roles(FARM)),
    ("GET", "/api/v1/alerts/{id}/explain", Roles(ANY)),
    ("GET", "/api/v1/alerts/rules", Roles(ANY)),
    ("PUT", "/api/v1/alerts/rules", Roles(ADMIN)),
    ("GET", "/api/v1/alerts/delivery", Roles(ADMIN)),
    ("PUT", "/api/v1/alerts/delivery", Roles(ADMIN)),
    ("POST", "/api/v1/alerts/delivery/test", Roles(ADMIN)),
    ("GET", "/api/v1/alerts/notifications", Roles(ADMIN)),
    // Sync: sites talk to the central with their own credential.
    ("POST", "/api/v1/sync/join", Enrolment),
    ("POST", "/api/v1/sync/push", CentralOnly),
    ("GET", "/api/v1/sync/pull", CentralOnly),
    ("PUT", "/api/v1/sync/videos/{id}", CentralOnly),
    ("POST", "/api/v1/sync/enrolments", Roles(ADMIN)),
    ("GET", "/api/v1/sync/sites", Roles(ANY)),
    ("POST", "/api/v1/sync/sites/{site}/revoke", Roles(ADMIN)),
    ("GET", "/api/v1/sync/status", Roles(ANY)),
    ("POST", "/api/v1/sync/now", Roles(FARM)),
    ("POST", "/api/v1/sync/join-central", Roles(ADMIN)),
];

/// Routes the OpenAPI document does not list as paths: the docs page and the
/// prototype's aliases (named in the document's description).
const UNLISTED: &[(&str, &str, Access)] = &[
    ("GET", "/api/v1/docs", Public),
    ("GET", "/sources", Roles(ANY)),
    ("GET", "/dates", Roles(ANY)),
    ("GET", "/stats_minute", Roles(ANY)),
    ("GET", "/stats_heure", Roles(ANY)),
    ("GET", "/chevres_minutes", Roles(ANY)),
    ("GET", "/chevres_heures", Roles(ANY)),
    ("GET", "/get_serie_heure", Roles(ANY)),
    ("GET", "/get_serie_jour", Roles(ANY)),
    ("GET", "/get_serie_last_heure", Roles(ANY)),
    ("GET", "/get_serie_last_jour", Roles(ANY)),
    ("GET", "/predict", Roles(ANY)),
    ("POST", "/train", Roles(ADMIN)),
];

#[derive(Clone, Copy, Debug, PartialEq)]
enum Principal {
    Anonymous,
    Vet,
    Operator,
    Admin,
    OtherSourceKey,
    ExpiredToken,
    RevokedToken,
}

const PRINCIPALS: [Principal; 7] = [
    Principal::Anonymous,
    Principal::Vet,
    Principal::Operator,
    Principal::OtherSourceKey,
    Principal::ExpiredToken,
    Principal::RevokedToken,
    // Last: what an admin changes cannot change what the others were answered.
    Principal::Admin,
];

/// What a principal must be answered.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    LetIn,
    Unauthorized,
    Forbidden,
    NotHere,
}

fn expected(access: Access, who: Principal) -> Expect {
    let role = match who {
        Principal::Vet => Some(Vet),
        Principal::Operator => Some(Operator),
        Principal::Admin => Some(Admin),
        _ => None,
    };
    match access {
        Public | Enrolment => Expect::LetIn,
        CentralOnly => Expect::NotHere,
        Ingest if who == Principal::OtherSourceKey => Expect::Forbidden,
        Ingest => expected(Roles(FARM), who),
        Roles(roles) => match role {
            None => Expect::Unauthorized,
            Some(r) if roles.contains(&r) => Expect::LetIn,
            Some(_) => Expect::Forbidden,
        },
    }
}

/// The credentials of each principal.
struct Creds {
    vet: String,
    other_key: String,
    expired: String,
    revoked: String,
}

async fn mint(e: &Env, user: &str, now_ms: i64) -> String {
    let u = e.state.store.user(user).await.unwrap().unwrap();
    e.state
        .tokens
        .issue(&u.username, u.role, &u.session_key, now_ms)
        .0
}

impl Creds {
    async fn new(e: &Env) -> Creds {
        let admin = e.login("admin").await;
        // The source written to exists with a key; the key used is another source's.
        for source in ["cam-a", "cam-b"] {
            let (s, v) = e
                .call(
                    "POST",
                    "/api/v1/api-keys",
                    Cred::Bearer(&admin),
                    Some(json!({"source": source})),
                )
                .await;
            assert_eq!(s, StatusCode::CREATED, "{v}");
            if source == "cam-b" {
                return Creds {
                    vet: e.login("victor").await,
                    other_key: v["key"].as_str().unwrap().to_string(),
                    // Issued long enough ago to have expired.
                    expired: mint(e, "admin", e.state.now_ms() - 400 * 24 * 3_600_000).await,
                    revoked: {
                        let t = e.login("admin").await;
                        let (s, _) = e
                            .call("POST", "/api/v1/auth/logout", Cred::Bearer(&t), None)
                            .await;
                        assert_eq!(s, StatusCode::NO_CONTENT);
                        t
                    },
                };
            }
        }
        unreachable!()
    }
}

/// The request for `path` as `who`: path parameters name things that exist
/// where a route reads (so a refusal cannot hide behind a 404) and nothing
/// that exists where it deletes.
async fn request(
    e: &Env,
    creds: &Creds,
    method: &str,
    path: &str,
    who: Principal,
) -> Request<Body> {
    let deleting = method == "DELETE";
    let mut uri = path
        .replace(
            "{source}",
            if deleting { "no-such-camera" } else { "cam-a" },
        )
        .replace("{id}", if deleting { "987654" } else { "1" })
        .replace("{username}", "no-such-user")
        .replace("{name}", "no-such-detector")
        .replace("{site}", "no-such-site");
    if method == "GET" {
        let now = e.state.now_ms();
        uri.push_str(&format!(
            "?source=cam-a&from={}&to={now}&day={}",
            now - 86_400_000,
            now - 86_400_000
        ));
    }
    let mut b = Request::builder().method(method).uri(uri);
    // A fresh session per call for the users: signing out ends only it.
    let user = match who {
        Principal::Vet => Some("victor"),
        Principal::Operator => Some("olga"),
        Principal::Admin => Some("admin"),
        _ => None,
    };
    let fresh = match user {
        Some(u) => Some(mint(e, u, e.state.now_ms()).await),
        None => None,
    };
    let bearer = match who {
        Principal::ExpiredToken => Some(creds.expired.as_str()),
        Principal::RevokedToken => Some(creds.revoked.as_str()),
        Principal::OtherSourceKey => {
            b = b.header("x-api-key", &creds.other_key);
            None
        }
        _ => fresh.as_deref(),
    };
    if let Some(t) = bearer {
        b = b.header("authorization", format!("Bearer {t}"));
    }
    let body = match path {
        // Real frames for cam-a, so that whoever is let in writes them.
        "/api/v1/ingest" => json!({"source": "cam-a", "frames": frames(t0(), 2, 1000)}),
        "/receive_data_animov" => {
            let d = chrono::DateTime::from_timestamp_millis(t0())
                .unwrap()
                .format("%Y-%m-%d %H:%M:%S%.3f")
                .to_string();
            json!({"data": [{"source_id": 1, "date": [d], "frame_id": 1,
                             "detect": [[0, 10, 10, 50, 50, 0.9, 1, 0, 0, 0]]}]})
        }
        _ => json!({}),
    };
    if method == "GET" || method == "DELETE" {
        b.body(Body::empty()).unwrap()
    } else {
        b.header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap()
    }
}

/// The status only: streams (live.mjpg, events) are never read to their end.
async fn status_and_message(e: &Env, req: Request<Body>) -> (StatusCode, String) {
    use http_body_util::BodyExt;
    let resp = e.app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let message = if status.is_client_error() || status.is_server_error() {
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        v["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    } else {
        String::new()
    };
    (status, message)
}

fn operations(openapi: &Value) -> BTreeSet<(String, String)> {
    let mut ops = BTreeSet::new();
    for (path, item) in openapi["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "delete", "patch"].contains(&method.as_str()) {
                ops.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    ops
}

#[tokio::test]
async fn every_route_answers_every_principal_as_declared() {
    let declared: BTreeSet<(String, String)> = TABLE
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(declared.len(), TABLE.len(), "a route is declared twice");
    for e in envs().await {
        let b = e.backend;
        let creds = Creds::new(&e).await;
        let (_, openapi) = e
            .call(
                "GET",
                "/api/v1/openapi.json",
                Cred::Bearer(&creds.vet),
                None,
            )
            .await;
        // The table and the document name the same operations.
        let documented = operations(&openapi);
        let missing: Vec<_> = documented.difference(&declared).collect();
        let stale: Vec<_> = declared.difference(&documented).collect();
        assert!(
            missing.is_empty() && stale.is_empty(),
            "{b}: routes documented but not declared: {missing:?}; declared but not documented: {stale:?}"
        );
        let mut wrong = Vec::new();
        let mut calls = 0;
        for &(method, path, access) in TABLE.iter().chain(UNLISTED) {
            for who in PRINCIPALS {
                let req = request(&e, &creds, method, path, who).await;
                let (status, message) = status_and_message(&e, req).await;
                calls += 1;
                let want = expected(access, who);
                let ok = match want {
                    Expect::LetIn => {
                        status != StatusCode::UNAUTHORIZED
                            && status != StatusCode::FORBIDDEN
                            && !status.is_server_error()
                    }
                    Expect::Unauthorized => status == StatusCode::UNAUTHORIZED,
                    Expect::Forbidden => status == StatusCode::FORBIDDEN,
                    Expect::NotHere => status == StatusCode::CONFLICT,
                };
                if !ok {
                    wrong.push(format!(
                        "{method} {path} as {who:?}: {status} ({message}), declared {want:?}"
                    ));
                }
            }
        }
        eprintln!(
            "{b}: role matrix {} routes ({} documented) × {} principals = {calls} calls",
            TABLE.len() + UNLISTED.len(),
            TABLE.len(),
            PRINCIPALS.len()
        );
        assert!(
            wrong.is_empty(),
            "{b}: {} answers differ from the table:\n{}",
            wrong.len(),
            wrong.join("\n")
        );
    }
}
