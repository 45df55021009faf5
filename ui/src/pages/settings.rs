//! Settings: cameras (name, herd size; admin only), language; for admins,
//! users, alert email and where the data lives.

use animov_api::{Camera, CameraUpdate, CreateUserRequest, Role, SystemInfo, UserInfo};
use leptos::{prelude::*, task::spawn_local};

use super::ErrorBox;
use crate::{
    api,
    app::{LangSwitch, ctx},
};

/// Settings page.
#[component]
pub fn Settings() -> impl IntoView {
    let ctx = ctx();
    let cams = RwSignal::new(None::<Result<Vec<Camera>, String>>);
    spawn_local(async move {
        cams.set(Some(
            api::get("/api/v1/cameras")
                .await
                .map_err(|e: api::Failure| e.message),
        ))
    });
    view! {
        <h1>{move || ctx.t("nav.settings")}</h1>
        <h2>{move || ctx.t("settings.language")}</h2>
        <LangSwitch/>
        <h2>{move || ctx.t("settings.cameras")}</h2>
        {move || (!ctx.is_admin()).then(|| view! { <p class="muted">{ctx.t("settings.readonly")}</p> })}
        {move || match cams.get() {
            None => view! { <p class="loading">{ctx.t("common.loading")}</p> }.into_any(),
            Some(Err(e)) => view! { <ErrorBox message=e/> }.into_any(),
            Some(Ok(cs)) => view! {
                <table class="cameras">
                    <thead><tr>
                        <th>"Source"</th><th>{ctx.t("settings.name")}</th><th>{ctx.t("settings.herd")}</th><th></th>
                    </tr></thead>
                    <tbody>{cs.clone().into_iter().map(|c| view! { <CameraRow camera=c/> }).collect_view()}</tbody>
                </table>
                {ctx.is_admin().then(|| view! { <super::rules::AlertRulesForm cameras=cs/> })}
            }.into_any(),
        }}
        {move || ctx.is_admin().then(|| view! { <Users /> <super::delivery::AlertDelivery /> <DataLocation /> })}
    }
}

#[component]
fn CameraRow(camera: Camera) -> impl IntoView {
    let ctx = ctx();
    let name = RwSignal::new(camera.name.clone());
    let herd = RwSignal::new(camera.herd_size.map(|h| h.to_string()).unwrap_or_default());
    let status = RwSignal::new(None::<Result<(), String>>);
    let source = camera.source.clone();
    let save = move |_| {
        let source = source.clone();
        let body = CameraUpdate {
            name: name.get_untracked(),
            herd_size: herd.get_untracked().trim().parse().ok(),
            uri: None,
        };
        spawn_local(async move {
            let r = api::send::<_, Camera>(
                "PUT",
                &format!("/api/v1/cameras/{}", api::q(&source)),
                &body,
            )
            .await;
            status.set(Some(r.map(|_| ()).map_err(|e| e.message)));
        });
    };
    let disabled = move || !ctx.is_admin();
    view! {
        <tr data-source=camera.source.clone()>
            <td>{camera.source.clone()}</td>
            <td><input class="cam-name" prop:value=name disabled=disabled on:input=move |ev| name.set(event_target_value(&ev))/></td>
            <td><input class="cam-herd" type="number" min="1" prop:value=herd disabled=disabled on:input=move |ev| herd.set(event_target_value(&ev))/></td>
            <td>
                <button class="cam-save" disabled=disabled on:click=save>{move || ctx.t("common.save")}</button>
                {move || match status.get() {
                    Some(Ok(())) => view! { <span class="ok">{ctx.t("common.saved")}</span> }.into_any(),
                    Some(Err(e)) => view! { <ErrorBox message=e/> }.into_any(),
                    None => ().into_any(),
                }}
            </td>
        </tr>
    }
}

fn role_key(r: Role) -> &'static str {
    match r {
        Role::Admin => "role.admin",
        Role::Operator => "role.operator",
        Role::Vet => "role.vet",
    }
}

/// Users (admin only): list, add, delete.
#[component]
pub fn Users() -> impl IntoView {
    let ctx = ctx();
    let list = RwSignal::new(None::<Result<Vec<UserInfo>, String>>);
    let reload = move || {
        spawn_local(async move {
            list.set(Some(
                api::get("/api/v1/users")
                    .await
                    .map_err(|e: api::Failure| e.message),
            ))
        })
    };
    reload();
    let (name, role, pass) = (
        RwSignal::new(String::new()),
        RwSignal::new("operator".to_string()),
        RwSignal::new(String::new()),
    );
    let status = RwSignal::new(None::<String>);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let req = CreateUserRequest {
            username: name.get_untracked(),
            role: Role::parse(&role.get_untracked()).unwrap_or(Role::Operator),
            password: pass.get_untracked(),
        };
        spawn_local(async move {
            match api::send::<_, UserInfo>("POST", "/api/v1/users", &req).await {
                Ok(_) => {
                    status.set(None);
                    name.set(String::new());
                    pass.set(String::new());
                    reload();
                }
                Err(e) => status.set(Some(e.message)),
            }
        });
    };
    view! {
        <h2>{move || ctx.t("settings.users")}</h2>
        {move || match list.get() {
            None => view! { <p class="loading">{ctx.t("common.loading")}</p> }.into_any(),
            Some(Err(e)) => view! { <ErrorBox message=e /> }.into_any(),
            Some(Ok(us)) => view! {
                <table class="cameras" id="users">
                    <tbody>
                        {us.into_iter().map(|u| {
                            let n = u.username.clone();
                            let del = move |_| {
                                let n = n.clone();
                                spawn_local(async move {
                                    match api::send::<_, ()>("DELETE", &format!("/api/v1/users/{}", api::q(&n)), &()).await {
                                        Ok(()) => reload(),
                                        Err(e) => status.set(Some(e.message)),
                                    }
                                });
                            };
                            view! {
                                <tr data-user=u.username.clone()>
                                    <td>{u.username.clone()}</td>
                                    <td>{ctx.t(role_key(u.role))}</td>
                                    <td><button class="user-delete" on:click=del>{ctx.t("settings.delete")}</button></td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any(),
        }}
        <form class="filters" id="user-add" on:submit=add>
            <label>{move || ctx.t("settings.user")}
                <input id="new-user" required prop:value=name on:input=move |ev| name.set(event_target_value(&ev)) />
            </label>
            <label>{move || ctx.t("settings.role")}
                <select id="new-role" prop:value=role on:change=move |ev| role.set(event_target_value(&ev))>
                    <option value="operator">{move || ctx.t("role.operator")}</option>
                    <option value="vet">{move || ctx.t("role.vet")}</option>
                    <option value="admin">{move || ctx.t("role.admin")}</option>
                </select>
            </label>
            <label>{move || ctx.t("settings.password")}
                <input id="new-password" type="password" autocomplete="new-password" required prop:value=pass
                    on:input=move |ev| pass.set(event_target_value(&ev)) />
            </label>
            <button type="submit">{move || ctx.t("settings.add")}</button>
        </form>
        {move || status.get().map(|m| view! { <ErrorBox message=m /> })}
    }
}

/// Data folder and database (admin only).
#[component]
pub fn DataLocation() -> impl IntoView {
    let ctx = ctx();
    let info = RwSignal::new(None::<Result<SystemInfo, String>>);
    spawn_local(async move {
        info.set(Some(
            api::get("/api/v1/system")
                .await
                .map_err(|e: api::Failure| e.message),
        ))
    });
    view! {
        <h2>{move || ctx.t("settings.data")}</h2>
        {move || match info.get() {
            None => view! { <p class="loading">{ctx.t("common.loading")}</p> }.into_any(),
            Some(Err(e)) => view! { <ErrorBox message=e /> }.into_any(),
            Some(Ok(i)) => view! {
                <dl id="data-location">
                    <dt>"Dossier / Folder"</dt><dd>{i.data_dir}</dd>
                    <dt>"Base / Database"</dt><dd>{i.database}</dd>
                    <dt>"Site"</dt><dd>{i.site_id}</dd>
                </dl>
            }.into_any(),
        }}
    }
}
