//! Storage (admin): where the data lives, what recordings, snapshots, the
//! database and the logs take, free space, how long recordings are kept and
//! their quota (applied at once), and what retention deletes next.

use animov_api::{StorageInfo, StorageSettings};
use leptos::{ev, prelude::*, task::spawn_local};

use super::{ErrorBox, field_error};
use crate::{api, app::ctx, time};

/// Bytes for people.
pub fn size(b: u64) -> String {
    const UNITS: [&str; 5] = ["o", "Ko", "Mo", "Go", "To"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{b} {}", UNITS[0])
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// The Storage page.
#[component]
pub fn Storage() -> impl IntoView {
    let ctx = ctx();
    let info = RwSignal::new(None::<Result<StorageInfo, String>>);
    let days = RwSignal::new(String::new());
    let quota = RwSignal::new(String::new());
    let status = RwSignal::new(None::<Result<(), (Option<String>, String)>>);
    let show = move |i: StorageInfo| {
        days.set(i.settings.retention_days.to_string());
        quota.set(i.settings.quota_gib.to_string());
        info.set(Some(Ok(i)));
    };
    spawn_local(async move {
        let answer = api::get::<StorageInfo>("/api/v1/storage").await;
        if info.is_disposed() {
            return;
        }
        match answer {
            Ok(i) => show(i),
            Err(e) => info.set(Some(Err(e.message))),
        }
    });
    let save = move |ev: ev::SubmitEvent| {
        ev.prevent_default();
        let (Ok(retention_days), Ok(quota_gib)) = (
            days.get_untracked().trim().parse::<u32>(),
            quota
                .get_untracked()
                .trim()
                .replace(',', ".")
                .parse::<f64>(),
        ) else {
            status.set(Some(Err((None, ctx.t("storage.numbers").into()))));
            return;
        };
        let req = StorageSettings {
            retention_days,
            quota_gib,
        };
        spawn_local(async move {
            let answer = api::send::<_, StorageInfo>("PUT", "/api/v1/storage", &req).await;
            if status.is_disposed() {
                return;
            }
            match answer {
                Ok(i) => {
                    show(i);
                    status.set(Some(Ok(())));
                }
                Err(e) => status.set(Some(Err((e.field, e.message)))),
            }
        });
    };
    let refusal = move || status.get().and_then(Result::err);
    view! {
        <h1>{move || ctx.t("nav.storage")}</h1>
        {move || match info.get() {
            None => view! { <p class="loading">{ctx.t("common.loading")}</p> }.into_any(),
            Some(Err(e)) => view! { <ErrorBox message=e/> }.into_any(),
            Some(Ok(i)) => {
                let u = i.used;
                view! {
                    {i.recording_paused.then(|| view! {
                        <p class="error" id="recording-paused">{ctx.t("storage.paused")}</p>
                    })}
                    <dl id="storage-use" class="health">
                        <dt>{ctx.t("storage.folder")}</dt><dd>{i.data_dir.clone()}</dd>
                        <dt>{ctx.t("storage.database")}</dt><dd>{i.database.clone()}</dd>
                        <dt>{ctx.t("storage.recordings")}</dt>
                        <dd id="use-recordings">{format!("{} ({} {})", size(u.recordings), size(u.kept), ctx.t("storage.kept"))}</dd>
                        <dt>{ctx.t("storage.snapshots")}</dt><dd>{size(u.snapshots)}</dd>
                        <dt>{ctx.t("storage.db_size")}</dt><dd>{u.database.map(size).unwrap_or_else(|| "—".into())}</dd>
                        <dt>{ctx.t("storage.logs")}</dt><dd>{size(u.logs)}</dd>
                        <dt>{ctx.t("storage.free")}</dt>
                        <dd id="free-space">{match (i.free_bytes, i.total_bytes) {
                            (Some(f), Some(t)) => format!("{} / {}", size(f), size(t)),
                            _ => "—".into(),
                        }}</dd>
                        <dt>{ctx.t("storage.reserve")}</dt>
                        <dd id="reserve">{size(i.reserve_bytes)}</dd>
                    </dl>
                    <h2>{ctx.t("storage.next")}</h2>
                    <p id="retention-next">
                        {(i.due_segments > 0).then(|| format!("{} {} ({}) · ", i.due_segments, ctx.t("storage.due"), size(i.due_bytes)))}
                        {match i.next {
                            Some(n) => format!("{} {} {} → {}", ctx.t("storage.next_one"), n.source, time::ymd_hm(n.start_ms), time::ymd_hm(n.at_ms)),
                            None => ctx.t("storage.nothing").to_string(),
                        }}
                    </p>
                }.into_any()
            }
        }}
        <h2>{move || ctx.t("storage.retention")}</h2>
        <form class="filters" id="storage-form" on:submit=save>
            <label>{move || ctx.t("storage.days")}
                <input id="retention-days" type="number" min="1" max="3650" required prop:value=days on:input=move |ev| days.set(event_target_value(&ev))/>
                {field_error(refusal, "retention_days")}
            </label>
            <label>{move || ctx.t("storage.quota")}
                <input id="quota-gib" type="number" min="0.1" step="0.1" required prop:value=quota on:input=move |ev| quota.set(event_target_value(&ev))/>
                {field_error(refusal, "quota_gib")}
            </label>
            <button type="submit">{move || ctx.t("common.save")}</button>
            {move || match status.get() {
                Some(Ok(())) => Some(view! { <span class="ok" id="storage-saved">{ctx.t("storage.applied")}</span> }.into_any()),
                Some(Err((None, m))) => Some(view! { <ErrorBox message=m/> }.into_any()),
                _ => None,
            }}
        </form>
    }
}
