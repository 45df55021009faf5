//! Accounts: one's own password (every role), and for admins the users
//! (add, reset a password, delete; sessions of a changed or deleted user end
//! at once) and the ingest keys of external detectors (shown once, with a
//! request to copy; listed with their last use; revoked).

use animov_api::{
    ApiKeyInfo, CreateApiKeyRequest, CreateUserRequest, CreatedApiKey, LoginResponse,
    PasswordChange, PasswordReset, Role, UserInfo,
};
use leptos::{ev, prelude::*, task::spawn_local};

use super::{ErrorBox, fetched, field_error};
use crate::{api, app::ctx, time};

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
    let (list, reload) = fetched::<Vec<UserInfo>>("/api/v1/users");
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
            let answer = api::send::<_, UserInfo>("POST", "/api/v1/users", &req).await;
            if status.is_disposed() {
                return;
            }
            match answer {
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
                            let local = u.username == "local";
                            let name = if local { ctx.t("user.local").to_string() } else { u.username.clone() };
                            view! {
                                <tr data-user=u.username.clone()>
                                    <td>{name}</td>
                                    <td>{ctx.t(role_key(u.role))}</td>
                                    <td>{(!local).then(|| view! { <ResetPassword username=u.username.clone()/> })}</td>
                                    <td>{(!local).then(|| view! { <button class="user-delete" on:click=del>{ctx.t("settings.delete")}</button> })}</td>
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

/// A new password for one user (admin).
#[component]
fn ResetPassword(username: String) -> impl IntoView {
    let ctx = ctx();
    let open = RwSignal::new(false);
    let pass = RwSignal::new(String::new());
    let status = RwSignal::new(None::<Result<(), String>>);
    let name = StoredValue::new(username);
    let save = move |ev: ev::SubmitEvent| {
        ev.prevent_default();
        let req = PasswordReset {
            password: pass.get_untracked(),
        };
        spawn_local(async move {
            let path = format!("/api/v1/users/{}/password", api::q(&name.get_value()));
            let r = api::send::<_, ()>("PUT", &path, &req).await;
            if status.is_disposed() {
                return;
            }
            if r.is_ok() {
                pass.set(String::new());
                open.set(false);
            }
            status.set(Some(r.map_err(|e| e.message)));
        });
    };
    view! {
        {move || if open.get() {
            view! {
                <form class="inline" on:submit=save>
                    <input class="reset-password" type="password" autocomplete="new-password" required minlength="8"
                        placeholder=ctx.t("accounts.new_password") prop:value=pass on:input=move |ev| pass.set(event_target_value(&ev))/>
                    <button type="submit" class="reset-save">{ctx.t("common.save")}</button>
                </form>
            }.into_any()
        } else {
            view! { <button class="reset-open" on:click=move |_| open.set(true)>{ctx.t("accounts.reset")}</button> }.into_any()
        }}
        {move || match status.get() {
            Some(Ok(())) => view! { <span class="ok">{ctx.t("accounts.reset_done")}</span> }.into_any(),
            Some(Err(e)) => view! { <span class="field-error" role="alert">{e}</span> }.into_any(),
            None => ().into_any(),
        }}
    }
}

/// Change one's own password (every role but the window's account).
#[component]
pub fn OwnPassword() -> impl IntoView {
    let ctx = ctx();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let status = RwSignal::new(None::<Result<(), (Option<String>, String)>>);
    let save = move |ev: ev::SubmitEvent| {
        ev.prevent_default();
        let req = PasswordChange {
            current_password: current.get_untracked(),
            new_password: new.get_untracked(),
        };
        spawn_local(async move {
            let answer = api::send::<_, LoginResponse>("PUT", "/api/v1/auth/password", &req).await;
            if status.is_disposed() {
                return;
            }
            match answer {
                Ok(r) => {
                    // This session goes on with a new token; the others end.
                    api::set_token(Some(&r.token));
                    current.set(String::new());
                    new.set(String::new());
                    status.set(Some(Ok(())));
                }
                Err(e) => status.set(Some(Err((e.field, e.message)))),
            }
        });
    };
    let local = move || ctx.user.get().is_some_and(|u| u.username == "local");
    let refusal = move || status.get().and_then(Result::err);
    view! {
        {move || (!local()).then(|| view! {
            <h2>{ctx.t("accounts.own_password")}</h2>
            <form class="filters" id="own-password" on:submit=save>
                <label>{ctx.t("accounts.current_password")}
                    <input id="current-password" type="password" autocomplete="current-password" required prop:value=current
                        on:input=move |ev| current.set(event_target_value(&ev))/>
                    {field_error(refusal, "current_password")}
                </label>
                <label>{ctx.t("accounts.new_password")}
                    <input id="new-own-password" type="password" autocomplete="new-password" required minlength="8" prop:value=new
                        on:input=move |ev| new.set(event_target_value(&ev))/>
                    {field_error(refusal, "password")}
                </label>
                <button type="submit">{ctx.t("common.save")}</button>
                {move || match status.get() {
                    Some(Ok(())) => Some(view! { <span class="ok" id="own-password-ok">{ctx.t("accounts.changed")}</span> }.into_any()),
                    Some(Err((None, m))) => Some(view! { <ErrorBox message=m/> }.into_any()),
                    _ => None,
                }}
            </form>
        })}
    }
}

/// Ingest keys of external detectors (admin).
#[component]
pub fn ApiKeys() -> impl IntoView {
    let ctx = ctx();
    let (list, reload) = fetched::<Vec<ApiKeyInfo>>("/api/v1/api-keys");
    let source = RwSignal::new(String::new());
    let label = RwSignal::new(String::new());
    let created = RwSignal::new(None::<CreatedApiKey>);
    let status = RwSignal::new(None::<String>);
    let create = move |ev: ev::SubmitEvent| {
        ev.prevent_default();
        let req = CreateApiKeyRequest {
            source: source.get_untracked(),
            label: Some(label.get_untracked()).filter(|l| !l.trim().is_empty()),
        };
        spawn_local(async move {
            let answer = api::send::<_, CreatedApiKey>("POST", "/api/v1/api-keys", &req).await;
            if created.is_disposed() {
                return;
            }
            match answer {
                Ok(k) => {
                    created.set(Some(k));
                    status.set(None);
                    reload();
                }
                Err(e) => status.set(Some(e.message)),
            }
        });
    };
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    view! {
        <h2>{move || ctx.t("accounts.keys")}</h2>
        <p class="muted">{move || ctx.t("accounts.keys_hint")}</p>
        <form class="filters" id="key-add" on:submit=create>
            <label>{move || ctx.t("cameras.source")}
                <input id="key-source" required prop:value=source on:input=move |ev| source.set(event_target_value(&ev))/>
            </label>
            <label>{move || ctx.t("accounts.label")}
                <input id="key-label" prop:value=label on:input=move |ev| label.set(event_target_value(&ev))/>
            </label>
            <button type="submit">{move || ctx.t("accounts.create_key")}</button>
        </form>
        {move || status.get().map(|m| view! { <ErrorBox message=m/> })}
        {move || created.get().map(|k| {
            let example = format!(
                "curl -X POST {origin}/api/v1/ingest -H 'X-Api-Key: {}' -H 'Content-Type: application/json' \\\n  -d '{{\"source\": \"{}\", \"frames\": [{{\"ts_ms\": {}, \"lying\": 7, \"standing\": 12}}]}}'",
                k.key, k.source, js_sys::Date::now() as i64
            );
            view! {
                <div class="key-once" id="key-created">
                    <p><strong>{ctx.t("accounts.key_once")}</strong></p>
                    <pre id="key-value">{k.key.clone()}</pre>
                    <p class="muted">{ctx.t("accounts.key_example")}</p>
                    <pre id="key-example">{example}</pre>
                </div>
            }
        })}
        {move || match list.get() {
            None => view! { <p class="loading">{ctx.t("common.loading")}</p> }.into_any(),
            Some(Err(e)) => view! { <ErrorBox message=e/> }.into_any(),
            Some(Ok(keys)) => view! {
                <table class="cameras" id="api-keys">
                    <thead><tr>
                        <th>{ctx.t("cameras.source")}</th><th>{ctx.t("accounts.label")}</th>
                        <th>{ctx.t("accounts.created")}</th><th>{ctx.t("accounts.last_use")}</th><th></th>
                    </tr></thead>
                    <tbody>
                        {keys.into_iter().map(|k| {
                            let id = k.id;
                            let revoke = move |_| {
                                spawn_local(async move {
                                    match api::send::<_, ()>("DELETE", &format!("/api/v1/api-keys/{id}"), &()).await {
                                        Ok(()) => reload(),
                                        Err(e) => status.set(Some(e.message)),
                                    }
                                });
                            };
                            view! {
                                <tr data-key=id class:revoked=k.revoked_ms.is_some()>
                                    <td>{k.source.clone()}</td>
                                    <td>{k.label.clone()}</td>
                                    <td>{time::ymd_hm(k.created_ms)}</td>
                                    <td>{k.last_used_ms.map(time::ymd_hm).unwrap_or_else(|| ctx.t("accounts.never").to_string())}</td>
                                    <td>{match k.revoked_ms {
                                        Some(t) => view! { <span class="muted">{format!("{} {}", ctx.t("accounts.revoked"), time::ymd_hm(t))}</span> }.into_any(),
                                        None => view! { <button class="key-revoke" on:click=revoke>{ctx.t("accounts.revoke")}</button> }.into_any(),
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
