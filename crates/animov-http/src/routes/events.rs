//! `GET /api/v1/events`: server-sent events for the UI (newest frames now,
//! alerts later). Browsers' EventSource cannot send headers, so the session
//! token may come as `?access_token=` here (and only here).

use std::{convert::Infallible, time::Duration};

use animov_api::{ErrorBody, Event, LiveCounts};
use axum::{
    extract::{Query, State},
    http::request::Parts,
    response::sse::{self, KeepAlive, Sse},
};
use futures_util::stream::{self, Stream, StreamExt};
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;
use utoipa::IntoParams;

use crate::{ApiError, AppState, extract::header_or_query_user};

/// `?access_token=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// The session token, for clients that cannot send `Authorization` (EventSource).
    pub access_token: Option<String>,
}

fn to_sse(e: &Event) -> sse::Event {
    sse::Event::default().data(serde_json::to_string(e).unwrap_or_default())
}

/// Live events: first the newest frame of every source, then each new one.
#[utoipa::path(get, path = "/api/v1/events", tag = "sources", params(EventsQuery), security(("bearer" = [])),
    responses((status = 200, content_type = "text/event-stream", description = "One JSON `Event` per message", body = Event),
        (status = 401, body = ErrorBody)))]
pub async fn events(
    State(state): State<AppState>,
    Query(q): Query<EventsQuery>,
    parts: Parts,
) -> Result<Sse<impl Stream<Item = Result<sse::Event, Infallible>>>, ApiError> {
    header_or_query_user(&parts, &state, q.access_token.as_deref()).await?;
    let rx = state.events.subscribe();
    let mut first = Vec::new();
    for c in state.store.cameras().await? {
        if let Some((ts_ms, lying, standing)) = state.store.latest_frame(c.id).await? {
            first.push(to_sse(&Event::Frame(LiveCounts {
                source: c.source,
                ts_ms,
                lying,
                standing,
                total: lying + standing,
            })));
        }
    }
    let live = stream::unfold(rx, |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(e) => return Some((to_sse(&e), rx)),
                Err(RecvError::Lagged(n)) => tracing::debug!(skipped = n, "slow event reader"),
                Err(RecvError::Closed) => return None,
            }
        }
    });
    let all = stream::iter(first)
        .chain(live)
        .map(Ok)
        .take_until(state.stopping.clone().cancelled_owned());
    Ok(Sse::new(all).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
