//! First-run setup of the barn PC: language, the farm's name, its time zone,
//! an optional admin account for other computers and vets; then the first
//! camera, or the demo herd.

use animov_api::{Camera, FarmSetup, NewAccount, NewCamera, SetupStatus};
use leptos::{ev, prelude::*, task::spawn_local};

use crate::{
    api,
    app::{LangSwitch, ctx},
    pages::{ErrorBox, field_error},
};

/// Where to go once the farm is saved.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Next {
    Camera,
    Demo,
}

/// The setup form; `done` runs once it is saved.
#[component]
pub fn Setup(status: SetupStatus, #[prop(into)] done: Callback<()>) -> impl IntoView {
    let ctx = ctx();
    let farm = RwSignal::new(status.farm_name.clone().unwrap_or_default());
    let tz = RwSignal::new(status.time_zone.clone());
    let user = RwSignal::new(String::new());
    let pass = RwSignal::new(String::new());
    let next = RwSignal::new(Next::Camera);
    let error = RwSignal::new(None::<(Option<String>, String)>);
    let busy = RwSignal::new(false);
    let zones = status.time_zones.clone();
    let submit = move |ev: ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        let (u, p) = (user.get_untracked(), pass.get_untracked());
        let admin = (!u.trim().is_empty() || !p.is_empty()).then(|| NewAccount {
            username: u.trim().to_string(),
            password: p,
        });
        let req = FarmSetup {
            farm_name: farm.get_untracked(),
            time_zone: tz.get_untracked(),
            language: ctx.lang.get_untracked().code().into(),
            admin,
        };
        busy.set(true);
        spawn_local(async move {
            let r = api::send::<_, SetupStatus>("PUT", "/api/v1/setup", &req).await;
            if error.is_disposed() {
                return;
            }
            match r {
                Err(e) => error.set(Some((e.field, e.message))),
                Ok(_) if next.get_untracked() == Next::Demo => {
                    let cam = NewCamera {
                        source: "demo".into(),
                        name: ctx.t("setup.demo_camera").into(),
                        uri: "demo:0".into(),
                        herd_size: None,
                    };
                    match api::send::<_, Camera>("POST", "/api/v1/cameras", &cam).await {
                        Ok(_) => go("#/today", done),
                        Err(e) => error.set(Some((None, e.message))),
                    }
                }
                Ok(_) => go("#/cameras/new", done),
            }
            busy.set(false);
        });
    };
    let refusal = move || error.get();
    view! {
        <main class="setup">
            <h1>{move || ctx.t("setup.welcome")}</h1>
            <p class="muted">{move || ctx.t("setup.intro")}</p>
            <form class="form" id="setup-form" on:submit=submit>
                <fieldset>
                    <legend>{move || ctx.t("settings.language")}</legend>
                    <LangSwitch/>
                </fieldset>
                <label>{move || ctx.t("setup.farm")}
                    <input id="setup-farm" required maxlength="100" prop:value=farm on:input=move |ev| farm.set(event_target_value(&ev))/>
                    {field_error(refusal, "farm_name")}
                </label>
                <label>{move || ctx.t("setup.time_zone")}
                    <select id="setup-tz" prop:value=tz on:change=move |ev| tz.set(event_target_value(&ev))>
                        {zones.into_iter().map(|z| {
                            let selected = z == status.time_zone;
                            view! { <option value=z.clone() selected=selected>{z.clone()}</option> }
                        }).collect_view()}
                    </select>
                    <small class="muted">{move || format!("{} {}", ctx.t("setup.detected"), status.detected_time_zone)}</small>
                    {field_error(refusal, "time_zone")}
                </label>
                <fieldset>
                    <legend>{move || ctx.t("setup.admin")}</legend>
                    <p class="muted">{move || ctx.t("setup.admin_hint")}</p>
                    <label>{move || ctx.t("settings.user")}
                        <input id="setup-user" autocomplete="username" prop:value=user on:input=move |ev| user.set(event_target_value(&ev))/>
                        {field_error(refusal, "admin.username")}
                    </label>
                    <label>{move || ctx.t("settings.password")}
                        <input id="setup-password" type="password" autocomplete="new-password" prop:value=pass on:input=move |ev| pass.set(event_target_value(&ev))/>
                        {field_error(refusal, "admin.password")}
                    </label>
                </fieldset>
                <fieldset>
                    <legend>{move || ctx.t("setup.then")}</legend>
                    <label class="check">
                        <input type="radio" name="next" id="setup-next-camera" prop:checked=move || next.get() == Next::Camera
                            on:change=move |_| next.set(Next::Camera)/>
                        {move || ctx.t("setup.first_camera")}
                    </label>
                    <label class="check">
                        <input type="radio" name="next" id="setup-next-demo" prop:checked=move || next.get() == Next::Demo
                            on:change=move |_| next.set(Next::Demo)/>
                        {move || ctx.t("setup.demo")}
                    </label>
                </fieldset>
                <button type="submit" id="setup-save" class="primary" disabled=move || busy.get()>{move || ctx.t("setup.save")}</button>
                {move || error.get().filter(|(f, _)| f.is_none()).map(|(_, m)| view! { <ErrorBox message=m/> })}
            </form>
        </main>
    }
}

fn go(hash: &str, done: Callback<()>) {
    if let Some(w) = web_sys::window() {
        let _ = w.location().set_hash(hash);
    }
    done.run(());
}
