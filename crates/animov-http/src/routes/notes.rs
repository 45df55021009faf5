//! Notes over HTTP: list, search and filter, write (admin, operator, vet),
//! edit with history and delete (the author or an admin), CSV export, and
//! the tag list (admin).

use animov_api::{DEFAULT_NOTE_TAGS, ErrorBody, Note, NoteDetail, NoteInput, NoteTags, Role};
use animov_core::time::iso_utc;
use animov_store::{NoteFields, NoteFilter, NoteRow};
use axum::{
    Json,
    extract::{Path, Query, State},
    http::{StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use utoipa::IntoParams;

use super::live::TokenQuery;
use crate::{
    ApiError, AppState, AuthUser,
    extract::{ApiJson, header_or_query_user},
    query::{camera_named, check_time},
};

/// Name of the tag list in `app_settings`.
const TAGS_SETTING: &str = "note_tags";
const WRITERS: [Role; 3] = [Role::Admin, Role::Operator, Role::Vet];

/// `GET /api/v1/notes` filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NoteQuery {
    /// One camera.
    pub source: Option<String>,
    /// Spans ending at or after, UTC ms.
    pub from: Option<i64>,
    /// Spans starting before, UTC ms.
    pub to: Option<i64>,
    /// With this tag.
    pub tag: Option<String>,
    /// By this author.
    pub author: Option<String>,
    /// Text containing this (any case).
    pub q: Option<String>,
    /// At most this many, newest first (default 500, at most 5 000).
    pub limit: Option<i64>,
}

/// The tags offered: the admin's list, or the defaults.
pub async fn tag_list(state: &AppState) -> Result<Vec<String>, ApiError> {
    Ok(match state.store.app_setting(TAGS_SETTING).await? {
        Some(json) => {
            serde_json::from_slice::<NoteTags>(&json)
                .map_err(|e| {
                    ApiError::internal(&format!("the saved note tags cannot be read ({e})"))
                })?
                .tags
        }
        None => DEFAULT_NOTE_TAGS.iter().map(|t| t.to_string()).collect(),
    })
}

fn text_filter(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

async fn filtered(state: &AppState, q: &NoteQuery) -> Result<Vec<Note>, ApiError> {
    let camera_id = match text_filter(&q.source) {
        Some(s) => Some(camera_named(state, &s).await?.id),
        None => None,
    };
    let f = NoteFilter {
        camera_id,
        from_ms: check_time("from", q.from)?,
        to_ms: check_time("to", q.to)?,
        tag: text_filter(&q.tag),
        author: text_filter(&q.author),
        text: text_filter(&q.q),
        limit: q.limit.unwrap_or(500).clamp(1, 5000),
    };
    Ok(state
        .store
        .notes(&f)
        .await?
        .into_iter()
        .map(|r| r.note)
        .collect())
}

/// Notes, newest span first.
#[utoipa::path(get, path = "/api/v1/notes", tag = "notes", security(("bearer" = [])), params(NoteQuery),
    responses((status = 200, body = [Note]), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    _user: AuthUser,
    Query(q): Query<NoteQuery>,
) -> Result<Json<Vec<Note>>, ApiError> {
    Ok(Json(filtered(&state, &q).await?))
}

/// The same notes as CSV (`source,start,end,author,tags,text,created,updated`).
#[utoipa::path(get, path = "/api/v1/notes.csv", tag = "notes", security(("bearer" = [])), params(NoteQuery, TokenQuery),
    responses((status = 200, content_type = "text/csv", description = "CSV")))]
pub async fn csv(
    State(state): State<AppState>,
    Query(q): Query<NoteQuery>,
    Query(t): Query<TokenQuery>,
    parts: Parts,
) -> Result<Response, ApiError> {
    // A download link cannot send a header: the token may come as `?access_token=`.
    header_or_query_user(&parts, &state, t.access_token.as_deref()).await?;
    let notes = filtered(&state, &q).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let row = |w: &mut csv::Writer<Vec<u8>>, n: &Note| {
        w.write_record([
            n.source.as_str(),
            &iso_utc(n.start_ms),
            &iso_utc(n.end_ms),
            &n.author,
            &n.tags.join(" "),
            &n.text,
            &iso_utc(n.created_ms),
            &iso_utc(n.updated_ms),
        ])
    };
    let header = [
        "source", "start", "end", "author", "tags", "text", "created", "updated",
    ];
    w.write_record(header).map_err(|e| ApiError::internal(&e))?;
    for n in &notes {
        row(&mut w, n).map_err(|e| ApiError::internal(&e))?;
    }
    let body = w.into_inner().map_err(|e| ApiError::internal(&e))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"animov-notes.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}

async fn fields(state: &AppState, n: &NoteInput) -> Result<NoteFields, ApiError> {
    n.validate(&tag_list(state).await?)?;
    let cam = camera_named(state, &n.source).await?;
    Ok(NoteFields {
        camera_id: cam.id,
        start_ms: n.start_ms,
        end_ms: n.end_ms,
        text: n.text.clone(),
        tags: n.tags.clone(),
        area: n.area,
    })
}

/// Writes a note (admin, operator, vet). A note on a recording's time keeps
/// that recording from retention.
#[utoipa::path(post, path = "/api/v1/notes", tag = "notes", security(("bearer" = [])), request_body = NoteInput,
    responses((status = 201, body = Note), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    user: AuthUser,
    body: Result<ApiJson<NoteInput>, ApiError>,
) -> Result<(StatusCode, Json<Note>), ApiError> {
    user.require(&WRITERS, "write notes")?;
    let ApiJson(n) = body?;
    let f = fields(&state, &n).await?;
    let row = state
        .store
        .insert_note(&f, &user.username, state.now_ms())
        .await?;
    tracing::info!(id = row.note.id, by = %user.username, source = row.note.source, "note written");
    Ok((StatusCode::CREATED, Json(row.note)))
}

async fn note_of(state: &AppState, id: i64) -> Result<NoteRow, ApiError> {
    state
        .store
        .note(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no note {id}: GET /api/v1/notes lists them")))
}

/// The author or an admin may change or delete a note.
fn may_change(user: &AuthUser, row: &NoteRow) -> Result<(), ApiError> {
    if user.role == Role::Admin || user.username == row.note.author {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!(
            "only {} (its author) or an admin can change this note",
            row.note.author
        )))
    }
}

/// One note with its earlier versions.
#[utoipa::path(get, path = "/api/v1/notes/{id}", tag = "notes", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Note id")),
    responses((status = 200, body = NoteDetail), (status = 404, body = ErrorBody)))]
pub async fn detail(
    State(state): State<AppState>,
    _user: AuthUser,
    Path(id): Path<i64>,
) -> Result<Json<NoteDetail>, ApiError> {
    let row = note_of(&state, id).await?;
    Ok(Json(NoteDetail {
        note: row.note,
        versions: state.store.note_versions(id).await?,
    }))
}

/// Changes a note (its author or an admin); what it was is kept.
#[utoipa::path(put, path = "/api/v1/notes/{id}", tag = "notes", security(("bearer" = [])), request_body = NoteInput,
    params(("id" = i64, Path, description = "Note id")),
    responses((status = 200, body = Note), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<i64>,
    body: Result<ApiJson<NoteInput>, ApiError>,
) -> Result<Json<Note>, ApiError> {
    user.require(&WRITERS, "change notes")?;
    let ApiJson(n) = body?;
    may_change(&user, &note_of(&state, id).await?)?;
    let f = fields(&state, &n).await?;
    let row = state
        .store
        .update_note(id, &f, &user.username, state.now_ms())
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no note {id}")))?;
    tracing::info!(id, by = %user.username, "note changed");
    Ok(Json(row.note))
}

/// Deletes a note (its author or an admin).
#[utoipa::path(delete, path = "/api/v1/notes/{id}", tag = "notes", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Note id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    user.require(&WRITERS, "delete notes")?;
    may_change(&user, &note_of(&state, id).await?)?;
    state.store.delete_note(id).await?;
    tracing::info!(id, by = %user.username, "note deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// The tags offered when writing a note.
#[utoipa::path(get, path = "/api/v1/notes/tags", tag = "notes", security(("bearer" = [])),
    responses((status = 200, body = NoteTags)))]
pub async fn get_tags(
    State(state): State<AppState>,
    _user: AuthUser,
) -> Result<Json<NoteTags>, ApiError> {
    Ok(Json(NoteTags {
        tags: tag_list(&state).await?,
    }))
}

/// Replaces the tag list (admin); notes keep the tags they have.
#[utoipa::path(put, path = "/api/v1/notes/tags", tag = "notes", security(("bearer" = [])), request_body = NoteTags,
    responses((status = 200, body = NoteTags), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_tags(
    State(state): State<AppState>,
    user: AuthUser,
    body: Result<ApiJson<NoteTags>, ApiError>,
) -> Result<Json<NoteTags>, ApiError> {
    user.require(&[Role::Admin], "change the note tags")?;
    let ApiJson(t) = body?;
    t.validate()?;
    let json = serde_json::to_vec(&t).map_err(|e| ApiError::internal(&e))?;
    state.store.set_app_setting(TAGS_SETTING, &json).await?;
    Ok(Json(t))
}
