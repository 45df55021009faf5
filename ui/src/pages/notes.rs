//! Notes: every note of the site, searched and filtered by camera, tag,
//! author, text and dates, exported as CSV; each opens its moment in
//! Review. The admin edits the tag list here.

use animov_api::{Camera, Note, NoteTags};
use leptos::{ev, prelude::*, task::spawn_local};

use super::ErrorBox;
use crate::{api, app::ctx, notes, time};

#[component]
pub fn Notes() -> impl IntoView {
    let ctx = ctx();
    let cams = RwSignal::new(Vec::<Camera>::new());
    let tags = RwSignal::new(Vec::<String>::new());
    let source = RwSignal::new(String::new());
    let tag = RwSignal::new(String::new());
    let author = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let found = RwSignal::new(None::<Result<Vec<Note>, String>>);
    let tag_edit = RwSignal::new(String::new());
    let tag_saved = RwSignal::new(None::<Result<(), String>>);

    spawn_local(async move {
        if let Ok(cs) = api::get::<Vec<Camera>>("/api/v1/cameras").await {
            let _ = cams.try_set(cs);
        }
        if let Ok(t) = api::get::<NoteTags>("/api/v1/notes/tags").await {
            let _ = tag_edit.try_set(t.tags.join(", "));
            let _ = tags.try_set(t.tags);
        }
    });
    // The filters as a query string (shared by the list and the CSV).
    let query = move || {
        let mut q = vec!["limit=2000".to_string()];
        for (k, v) in [
            ("source", source.get()),
            ("tag", tag.get()),
            ("author", author.get()),
            ("q", text.get()),
        ] {
            if !v.trim().is_empty() {
                q.push(format!("{k}={}", api::q(v.trim())));
            }
        }
        if let Some(t) = time::parse_ymd(&from.get()) {
            q.push(format!("from={t}"));
        }
        if let Some(t) = time::parse_ymd(&to.get()) {
            q.push(format!("to={}", time::next_day(t)));
        }
        q.join("&")
    };
    Effect::new(move |_| {
        let q = query();
        spawn_local(async move {
            let r = api::get::<Vec<Note>>(&format!("/api/v1/notes?{q}"))
                .await
                .map_err(|e| e.message);
            let _ = found.try_set(Some(r));
        });
    });
    let save_tags = move |ev: ev::SubmitEvent| {
        ev.prevent_default();
        let list: Vec<String> = tag_edit
            .get_untracked()
            .split([',', '\n'])
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect();
        spawn_local(async move {
            let body = NoteTags { tags: list.clone() };
            match api::send::<_, NoteTags>("PUT", "/api/v1/notes/tags", &body).await {
                Ok(t) => {
                    let _ = tags.try_set(t.tags);
                    let _ = tag_saved.try_set(Some(Ok(())));
                }
                Err(e) => {
                    let _ = tag_saved.try_set(Some(Err(e.message)));
                }
            }
        });
    };
    let input = |sig: RwSignal<String>, id: &'static str, kind: &'static str| {
        view! { <input id=id type=kind prop:value=move || sig.get() on:change=move |ev| sig.set(event_target_value(&ev))/> }
    };

    view! {
        <section class="page">
            <h2>{move || ctx.t("notes.title")}</h2>
            <p class="muted">{move || ctx.t("notes.hint")}</p>
            <div class="row" id="notes-filters">
                <label>{move || ctx.t("timeline.camera")}
                    <select id="notes-camera" on:change=move |ev| source.set(event_target_value(&ev))>
                        <option value="">{move || ctx.t("notes.all")}</option>
                        {move || cams.get().into_iter().map(|c| view! { <option value=c.source.clone()>{c.name}</option> }).collect_view()}
                    </select>
                </label>
                <label>{move || ctx.t("notes.tag")}
                    <select id="notes-tag" on:change=move |ev| tag.set(event_target_value(&ev))>
                        <option value="">{move || ctx.t("notes.all")}</option>
                        {move || tags.get().into_iter().map(|t| view! { <option value=t.clone()>{notes::tag_label(ctx.lang.get(), &t)}</option> }).collect_view()}
                    </select>
                </label>
                <label>{move || ctx.t("notes.author")}{input(author, "notes-author", "text")}</label>
                <label>{move || ctx.t("notes.search")}{input(text, "notes-search", "search")}</label>
                <label>{move || ctx.t("notes.from")}{input(from, "notes-from", "date")}</label>
                <label>{move || ctx.t("notes.to")}{input(to, "notes-to", "date")}</label>
                <a id="notes-csv" href=move || api::media(&format!("/api/v1/notes.csv?{}", query()))
                    download="animov-notes.csv">{move || ctx.t("notes.csv")}</a>
            </div>
            {move || match found.get() {
                None => view! { <p class="loading">{ctx.t("common.loading")}</p> }.into_any(),
                Some(Err(e)) => view! { <ErrorBox message=e/> }.into_any(),
                Some(Ok(ns)) if ns.is_empty() => view! { <p id="notes-empty" class="muted">{ctx.t("notes.none")}</p> }.into_any(),
                Some(Ok(ns)) => notes::rows(ns, "notes-list").into_any(),
            }}
            {move || ctx.is_admin().then(|| view! {
                <h3>{ctx.t("notes.tags_title")}</h3>
                <form id="notes-tags-form" class="row" on:submit=save_tags>
                    <input id="notes-tags" size="60" prop:value=move || tag_edit.get() on:input=move |ev| tag_edit.set(event_target_value(&ev))/>
                    <button type="submit" id="notes-tags-save">{ctx.t("notes.tags_save")}</button>
                </form>
                <p class="muted">{ctx.t("notes.tags_hint")}</p>
                {move || tag_saved.get().map(|r| match r {
                    Ok(()) => view! { <p class="ok" id="notes-tags-saved">{ctx.t("notes.tags_saved")}</p> }.into_any(),
                    Err(e) => view! { <ErrorBox message=e/> }.into_any(),
                })}
            })}
        </section>
    }
}
