//! Sync. At a site: where its data goes (the central, rows left per table,
//! last contact, clock skew), a pass now, and joining a central with an
//! enrolment code (admin). At a central: the Sites page — every site's last
//! contact, backlog, clock skew and version, a one-time code to enrol a new
//! site, and revocation (admin).

use animov_api::{Enrolment, JoinCentral, SiteInfo, SyncRole, SyncStatus, TableBacklog};
use leptos::{ev, prelude::*, task::spawn_local};

use super::ErrorBox;
use crate::{api, app::ctx, time};

/// "3 min ago" in the UI's language.
fn ago(t: Option<i64>) -> String {
    let ctx = ctx();
    let Some(t) = t else {
        return ctx.t("sync.never").into();
    };
    let s = (time::now_ms() - t).max(0) / 1000;
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", s / 60),
        3600..86400 => format!("{} h", s / 3600),
        _ => format!("{} {}", s / 86400, ctx.t("sync.days")),
    }
}

fn backlog_text(b: &[TableBacklog]) -> String {
    if b.is_empty() {
        return "0".into();
    }
    b.iter()
        .map(|t| format!("{} {}", t.table, t.pending))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The sync state in one phrase: synced / n behind / offline since.
pub fn state_text(s: &SyncStatus) -> String {
    let ctx = ctx();
    match (&s.central_url, s.offline_since_ms, s.pending) {
        (None, _, _) => ctx.t("sync.not_joined").into(),
        (_, Some(t), _) => format!("{} {}", ctx.t("sync.offline_since"), time::ymd_hm(t)),
        (_, None, 0) => ctx.t("sync.synced").into(),
        (_, None, n) => format!("{n} {}", ctx.t("sync.behind")),
    }
}

/// The fields of the join form.
#[derive(Clone, Copy, Default)]
struct JoinForm {
    url: RwSignal<String>,
    code: RwSignal<String>,
    name: RwSignal<String>,
    farm: RwSignal<String>,
}

/// The Sync page (a site) or the Sites page (a central).
#[component]
pub fn Sync() -> impl IntoView {
    let ctx = ctx();
    let status = RwSignal::new(None::<Result<SyncStatus, String>>);
    // What the last action said and the join form (kept across reloads of the status).
    let note = RwSignal::new(None::<Result<String, String>>);
    let form = JoinForm::default();
    let load = move || {
        spawn_local(async move {
            let answer = api::get::<SyncStatus>("/api/v1/sync/status").await;
            let _ = status.try_set(Some(answer.map_err(|e| e.message)));
        });
    };
    load();
    view! {
        {move || match status.get() {
            None => view! { <p class="loading">{ctx.t("common.loading")}</p> }.into_any(),
            Some(Err(e)) => view! { <ErrorBox message=e/> }.into_any(),
            Some(Ok(s)) if s.role == SyncRole::Central => view! { <Sites/> }.into_any(),
            Some(Ok(s)) => view! { <SiteSync status=s note=note form=form reload=Callback::new(move |()| load())/> }.into_any(),
        }}
    }
}

#[component]
fn SiteSync(
    status: SyncStatus,
    note: RwSignal<Option<Result<String, String>>>,
    form: JoinForm,
    reload: Callback<()>,
) -> impl IntoView {
    let ctx = ctx();
    let JoinForm {
        url,
        code,
        name,
        farm,
    } = form;
    if url.get_untracked().is_empty() {
        url.set(status.central_url.clone().unwrap_or_default());
    }
    let now = move |_| {
        spawn_local(async move {
            let answer = api::send::<_, ()>("POST", "/api/v1/sync/now", &()).await;
            let _ = note.try_set(Some(
                answer
                    .map(|()| ctx.t("sync.started").to_string())
                    .map_err(|e| e.message),
            ));
            let _ = reload.try_run(());
        });
    };
    let join = move |ev: ev::SubmitEvent| {
        ev.prevent_default();
        let req = JoinCentral {
            url: url.get_untracked().trim().into(),
            code: code.get_untracked().trim().into(),
            name: name.get_untracked().trim().into(),
            farm: farm.get_untracked().trim().into(),
        };
        spawn_local(async move {
            let answer =
                api::send::<_, SyncStatus>("POST", "/api/v1/sync/join-central", &req).await;
            let _ = note.try_set(Some(
                answer
                    .map(|_| ctx.t("sync.joined").to_string())
                    .map_err(|e| e.message),
            ));
            let _ = reload.try_run(());
        });
    };
    let joined = status.central_url.is_some();
    view! {
        <h1>{ctx.t("nav.sync")}</h1>
        <dl id="sync-status" class="health">
            <dt>{ctx.t("sync.central")}</dt><dd id="sync-central">{status.central_url.clone().unwrap_or_else(|| ctx.t("sync.not_joined").into())}</dd>
            <dt>{ctx.t("sync.state")}</dt><dd id="sync-state">{state_text(&status)}</dd>
            <dt>{ctx.t("sync.last_synced")}</dt><dd>{ago(status.last_synced_ms)}</dd>
            <dt>{ctx.t("sync.last_contact")}</dt><dd>{ago(status.last_contact_ms)}</dd>
            <dt>{ctx.t("sync.backlog")}</dt><dd id="sync-backlog">{backlog_text(&status.backlog)}</dd>
            <dt>{ctx.t("sync.pass")}</dt>
            <dd>{format!("{} · {} · {:.0}/s{}", status.sent_rows, super::storage::size(status.sent_bytes.max(0) as u64), status.rate_rows_s,
                status.eta_s.map(|e| format!(" · ETA {e:.0} s")).unwrap_or_default())}</dd>
            <dt>{ctx.t("sync.skew")}</dt><dd id="sync-skew">{status.skew_ms.map(|s| format!("{s:+} ms")).unwrap_or_else(|| "—".into())}</dd>
            <dt>{ctx.t("sync.site_id")}</dt><dd>{status.site_id.clone()}</dd>
        </dl>
        {status.last_error.clone().map(|e| view! { <ErrorBox message=e/> })}
        {joined.then(|| view! { <button id="sync-now" on:click=now>{ctx.t("sync.now")}</button> })}
        {move || note.get().map(|n| match n {
            Ok(m) => view! { <p class="ok" id="sync-note">{m}</p> }.into_any(),
            Err(m) => view! { <ErrorBox message=m/> }.into_any(),
        })}
        {ctx.is_admin().then(|| view! {
            <h2>{ctx.t("sync.join")}</h2>
            <p class="hint">{ctx.t("sync.join_hint")}</p>
            <form class="filters" id="sync-join" on:submit=join>
                <label>{ctx.t("sync.url")}<input id="join-url" type="url" required placeholder="https://central.example:8642" prop:value=url on:input=move |ev| url.set(event_target_value(&ev))/></label>
                <label>{ctx.t("sync.code")}<input id="join-code" required placeholder="ABCD-EFGH-JKLM-NPQR" prop:value=code on:input=move |ev| code.set(event_target_value(&ev))/></label>
                <label>{ctx.t("sync.name")}<input id="join-name" required prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/></label>
                <label>{ctx.t("sync.farm")}<input id="join-farm" required prop:value=farm on:input=move |ev| farm.set(event_target_value(&ev))/></label>
                <button type="submit">{ctx.t("sync.join_button")}</button>
            </form>
        })}
    }
}

#[component]
fn Sites() -> impl IntoView {
    let ctx = ctx();
    let sites = RwSignal::new(None::<Result<Vec<SiteInfo>, String>>);
    let code = RwSignal::new(None::<Result<Enrolment, String>>);
    let load = move || {
        spawn_local(async move {
            let answer = api::get::<Vec<SiteInfo>>("/api/v1/sync/sites").await;
            let _ = sites.try_set(Some(answer.map_err(|e| e.message)));
        });
    };
    load();
    let enrol = move |_| {
        spawn_local(async move {
            let answer = api::send::<_, Enrolment>("POST", "/api/v1/sync/enrolments", &()).await;
            let _ = code.try_set(Some(answer.map_err(|e| e.message)));
        });
    };
    let revoke = move |site: String| {
        spawn_local(async move {
            let path = format!("/api/v1/sync/sites/{}/revoke", api::q(&site));
            if let Err(e) = api::send::<_, ()>("POST", &path, &()).await {
                let _ = sites.try_set(Some(Err(e.message)));
            }
            load();
        });
    };
    view! {
        <h1>{ctx.t("nav.sites")}</h1>
        {ctx.is_admin().then(|| view! {
            <p>
                <button id="enrol" on:click=enrol>{ctx.t("sync.enrol")}</button>
                {move || code.get().map(|c| match c {
                    Ok(e) => view! { <span class="ok"> " " <code id="enrol-code">{e.code}</code> " · " {ctx.t("sync.until")} " " {time::ymd_hm(e.expires_ms)}</span> }.into_any(),
                    Err(m) => view! { <ErrorBox message=m/> }.into_any(),
                })}
            </p>
            <p class="hint">{ctx.t("sync.enrol_hint")}</p>
        })}
        {move || match sites.get() {
            None => view! { <p class="loading">{ctx.t("common.loading")}</p> }.into_any(),
            Some(Err(e)) => view! { <ErrorBox message=e/> }.into_any(),
            Some(Ok(list)) if list.is_empty() => view! { <p id="no-sites">{ctx.t("sync.no_sites")}</p> }.into_any(),
            Some(Ok(list)) => view! {
                <table id="sites">
                    <thead><tr>
                        <th>{ctx.t("sync.name")}</th><th>{ctx.t("sync.farm")}</th><th>{ctx.t("sync.last_contact")}</th>
                        <th>{ctx.t("sync.backlog")}</th><th>{ctx.t("sync.skew")}</th><th>{ctx.t("sync.version")}</th>
                        <th>{ctx.t("nav.cameras")}</th><th></th>
                    </tr></thead>
                    <tbody>
                        {list.into_iter().map(|s| {
                            let id = s.site_id.clone();
                            let revoked = s.revoked_ms.is_some();
                            view! {
                                <tr class="site" class:revoked=revoked title=s.site_id.clone()>
                                    <td>{s.name}</td><td>{s.farm}</td><td>{ago(s.last_contact_ms)}</td>
                                    <td class="backlog">{backlog_text(&s.backlog)}</td>
                                    <td>{s.skew_ms.map(|k| format!("{k:+} ms")).unwrap_or_else(|| "—".into())}</td>
                                    <td>{s.version}</td><td>{s.cameras}</td>
                                    <td>{if revoked {
                                        view! { <span>{ctx.t("sync.revoked")}</span> }.into_any()
                                    } else if ctx.is_admin() {
                                        view! { <button class="revoke" on:click=move |_| revoke(id.clone())>{ctx.t("sync.revoke")}</button> }.into_any()
                                    } else {
                                        ().into_any()
                                    }}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any(),
        }}
    }
}
