//! The shell: session, language, navigation between pages (hash routes).

use animov_api::{LocalLoginRequest, LoginRequest, LoginResponse, Role, SetupStatus, UserInfo};
use leptos::{ev, prelude::*, task::spawn_local};

use crate::{
    api,
    i18n::{Lang, t},
    pages,
};

/// What every page shares.
#[derive(Clone, Copy)]
pub struct Ctx {
    /// UI language.
    pub lang: RwSignal<Lang>,
    /// Signed-in user (`None` shows the sign-in page).
    pub user: RwSignal<Option<UserInfo>>,
    /// Current hash route, e.g. `today` or `timeline/cam-1`.
    pub route: RwSignal<String>,
    /// Alerts not yet resolved, per camera (badges).
    pub alerts: crate::alerts::Counts,
    /// At a central: the site whose data the pages show (`None` at a barn PC).
    pub site: RwSignal<Option<String>>,
    /// True at a central (its pages show the sites' synced data).
    pub central: RwSignal<bool>,
}

impl Ctx {
    /// The text of `key` in the current language (reactive).
    pub fn t(&self, key: &str) -> &'static str {
        t(self.lang.get(), key)
    }

    /// A label of the API's (rule, severity, state...) in the current language.
    pub fn label(&self, l: animov_api::Label) -> &'static str {
        l.get(self.lang.get() == crate::i18n::Lang::Fr)
    }

    /// True when the user may change configuration.
    pub fn is_admin(&self) -> bool {
        self.user.get().is_some_and(|u| u.role == Role::Admin)
    }

    /// True when the user may change what the farm owns (cameras, models,
    /// rules, detectors): an admin, not at a central (there it is the
    /// farm's, changed at the farm).
    pub fn farm_admin(&self) -> bool {
        self.is_admin() && !self.central.get()
    }
}

/// The context provided by [`App`].
pub fn ctx() -> Ctx {
    expect_context::<Ctx>()
}

fn current_hash() -> String {
    let h = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    let h = h
        .trim_start_matches('#')
        .trim_start_matches('/')
        .to_string();
    if h.is_empty() { "today".into() } else { h }
}

/// The per-launch secret the desktop shell puts in its window's first URL
/// (`#local=...`, a fragment: never sent to the server nor logged). It is
/// removed from the address and history at once.
/// `#local=SECRET&open=PAGE` opens on that page.
fn local_secret() -> Option<String> {
    let w = web_sys::window()?;
    let hash = w.location().hash().ok()?;
    let rest = hash.strip_prefix("#local=")?;
    let (secret, page) = match rest.split_once("&open=") {
        Some((s, p)) => (s.to_string(), p.to_string()),
        None => (rest.to_string(), "today".to_string()),
    };
    if let Ok(h) = w.history() {
        let to = format!("#/{page}");
        let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&to));
    }
    (!secret.is_empty()).then_some(secret)
}

/// The whole application.
#[component]
pub fn App() -> impl IntoView {
    let ctx = Ctx {
        lang: RwSignal::new(Lang::initial()),
        user: RwSignal::new(None),
        route: RwSignal::new(String::new()),
        alerts: RwSignal::new(Default::default()),
        site: RwSignal::new(api::site()),
        central: RwSignal::new(false),
    };
    provide_context(ctx);
    let local_secret = local_secret();
    ctx.route.set(current_hash());
    let checking = RwSignal::new(api::token().is_some() || local_secret.is_some());
    if checking.get_untracked() {
        spawn_local(async move {
            if let Ok(me) = api::get::<UserInfo>("/api/v1/auth/me").await {
                ctx.user.set(Some(me));
            } else if let Some(secret) = local_secret {
                // The desktop window: its shell handed a per-launch secret, no password.
                let req = LocalLoginRequest { secret };
                if let Ok(r) =
                    api::send::<_, LoginResponse>("POST", "/api/v1/auth/local", &req).await
                {
                    api::set_token(Some(&r.token));
                    ctx.user.set(Some(r.user));
                }
            }
            checking.set(false);
        });
    }
    let _ = window_event_listener(ev::hashchange, move |_| ctx.route.set(current_hash()));
    Effect::new(move |_| {
        let lang = ctx.lang.get();
        if let Some(doc) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        {
            let _ = doc.set_attribute("lang", lang.code());
        }
    });
    // An admin on a fresh install sees the first-run setup first.
    let setup = RwSignal::new(None::<SetupStatus>);
    Effect::new(move |_| {
        if ctx.user.get().is_some_and(|u| u.role == Role::Admin) {
            spawn_local(async move {
                if let Ok(s) = api::get::<SetupStatus>("/api/v1/setup").await {
                    setup.set(s.needed.then_some(s));
                }
            });
        }
    });
    let setup_done = Callback::new(move |()| setup.set(None));
    view! {
        {move || {
            if checking.get() {
                view! { <p class="loading">{ctx.t("common.loading")}</p> }.into_any()
            } else if ctx.user.get().is_none() {
                view! { <Login/> }.into_any()
            } else if let Some(s) = setup.get() {
                view! { <pages::Setup status=s done=setup_done/> }.into_any()
            } else {
                view! { <Shell/> }.into_any()
            }
        }}
    }
}

#[component]
fn Login() -> impl IntoView {
    let ctx = ctx();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        error.set(None);
        let req = LoginRequest {
            username: username.get_untracked(),
            password: password.get_untracked(),
        };
        spawn_local(async move {
            match api::send::<_, LoginResponse>("POST", "/api/v1/auth/login", &req).await {
                Ok(r) => {
                    api::set_token(Some(&r.token));
                    ctx.user.set(Some(r.user));
                }
                Err(e) => error.set(Some(e.message)),
            }
            busy.set(false);
        });
    };
    view! {
        <main class="login">
            <h1>"AniMOV"</h1>
            <form on:submit=submit>
                <h2>{move || ctx.t("login.title")}</h2>
                <label>{move || ctx.t("login.user")}
                    <input id="username" autocomplete="username" required prop:value=username
                        on:input=move |ev| username.set(event_target_value(&ev))/>
                </label>
                <label>{move || ctx.t("login.password")}
                    <input id="password" type="password" autocomplete="current-password" required prop:value=password
                        on:input=move |ev| password.set(event_target_value(&ev))/>
                </label>
                <button id="login-submit" type="submit" disabled=move || busy.get()>{move || ctx.t("login.submit")}</button>
                {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                <LangSwitch/>
            </form>
        </main>
    }
}

/// FR / EN buttons.
#[component]
pub fn LangSwitch() -> impl IntoView {
    let ctx = ctx();
    let set = move |l: Lang| {
        l.save();
        ctx.lang.set(l);
    };
    view! {
        <div class="lang" role="group" aria-label="Langue / Language">
            <button type="button" id="lang-fr" class:active=move || ctx.lang.get() == Lang::Fr on:click=move |_| set(Lang::Fr)>"FR"</button>
            <button type="button" id="lang-en" class:active=move || ctx.lang.get() == Lang::En on:click=move |_| set(Lang::En)>"EN"</button>
        </div>
    }
}

#[component]
fn Shell() -> impl IntoView {
    let ctx = ctx();
    let logout = move |_| {
        spawn_local(async move {
            let _ = api::send::<_, ()>("POST", "/api/v1/auth/logout", &()).await;
            api::set_token(None);
            ctx.user.set(None);
        });
    };
    crate::alerts::follow(ctx.alerts);
    let active = move || {
        ctx.alerts
            .with(|m| m.values().map(|c| c.open + c.acknowledged).sum::<i64>())
    };
    let link = move |route: &'static str, key: &'static str| {
        view! {
            <a href=format!("#/{route}") id=format!("nav-{route}")
                class:active=move || ctx.route.get().split('/').next() == Some(route)>{move || ctx.t(key)}</a>
        }
    };
    // The site's sync state, when it has joined a central; at a central,
    // the sites to pick from (the first one until another is picked).
    let sync = RwSignal::new(None::<animov_api::SyncStatus>);
    let sites = RwSignal::new(Vec::<animov_api::SiteInfo>::new());
    pages::every(60_000, move || {
        spawn_local(async move {
            let Ok(s) = api::get::<animov_api::SyncStatus>("/api/v1/sync/status").await else {
                return;
            };
            let central = s.role == animov_api::SyncRole::Central;
            let _ = sync.try_set(Some(s));
            if ctx.central.get_untracked() != central {
                let _ = ctx.central.try_set(central);
            }
            if !central {
                return;
            }
            if let Ok(all) = api::get::<Vec<animov_api::SiteInfo>>("/api/v1/sync/sites").await {
                if ctx.site.get_untracked().is_none()
                    && let Some(first) = all.first()
                {
                    pick_site(ctx, first.site_id.clone());
                }
                let _ = sites.try_set(all);
            }
        });
    });
    let is_central = move || ctx.central.get();
    // Another site: the badges count its alerts.
    Effect::new(move |_| {
        ctx.site.track();
        crate::alerts::reload(ctx.alerts);
    });
    let site_picker = move || {
        is_central().then(|| {
            view! {
                <label class="site-picker">{move || ctx.t("sync.site")}
                    <select id="site-picker" on:change=move |ev| pick_site(ctx, event_target_value(&ev))>
                        {move || sites.get().into_iter().map(|s| {
                            let selected = ctx.site.get().as_deref() == Some(s.site_id.as_str());
                            let label = if s.farm.is_empty() { s.name.clone() } else { format!("{} — {}", s.name, s.farm) };
                            view! { <option value=s.site_id selected=selected>{label}</option> }
                        }).collect_view()}
                    </select>
                </label>
            }
        })
    };
    let sync_badge = move || {
        sync.get()
            .filter(|s| s.central_url.is_some() && s.role == animov_api::SyncRole::Site)
            .map(|s| {
                let text = pages::sync::state_text(&s);
                let class = if s.offline_since_ms.is_some() {
                    "sync-badge offline"
                } else if s.pending > 0 {
                    "sync-badge behind"
                } else {
                    "sync-badge"
                };
                view! { <a href="#/sync" id="sync-badge" class=class>{text}</a> }
            })
    };
    view! {
        <header>
            <span class="brand">"AniMOV"</span>
            <nav>
                {link("today", "nav.today")}
                {link("live", "nav.live")}
                {link("timeline", "nav.timeline")}
                {link("review", "nav.review")}
                {link("notes", "nav.notes")}
                {move || (!ctx.central.get()).then(|| link("dataset", "nav.dataset"))}
                <span class="nav-alerts">
                    {link("alerts", "nav.alerts")}
                    {move || (active() > 0).then(|| view! { <span id="nav-alert-badge" class="alert-badge">{active()}</span> })}
                </span>
                {link("cameras", "nav.cameras")}
                {link("models", "nav.models")}
                {move || (ctx.user.get().is_some_and(|u| u.role != Role::Vet) && !ctx.central.get()).then(|| link("import", "nav.import"))}
                {move || ctx.is_admin().then(|| link("storage", "nav.storage"))}
                {move || if is_central() { link("sync", "nav.sites") } else { link("sync", "nav.sync") }}
                {link("settings", "nav.settings")}
                {link("about", "nav.about")}
            </nav>
            {site_picker}
            {sync_badge}
            <LangSwitch/>
            <span class="user">{move || ctx.user.get().map(|u| if u.username == "local" {
                ctx.t("user.local").to_string()
            } else {
                u.username
            })}</span>
            <button id="logout" on:click=logout>{move || ctx.t("nav.logout")}</button>
        </header>
        <main>
            {move || {
                // A page is made again for another site.
                ctx.site.track();
                let route = ctx.route.get();
                let mut parts = route.splitn(2, '/');
                let page = parts.next().unwrap_or("today").to_string();
                let arg = parts.next().map(str::to_string);
                match page.as_str() {
                    "live" => view! { <pages::Live/> }.into_any(),
                    "timeline" => view! { <pages::Timeline camera=arg/> }.into_any(),
                    "review" => view! { <pages::Review arg=arg/> }.into_any(),
                    "dataset" => view! { <pages::Dataset arg=arg/> }.into_any(),
                    "notes" => view! { <pages::Notes/> }.into_any(),
                    "alerts" => view! { <pages::Alerts id=arg.and_then(|a| a.parse().ok())/> }.into_any(),
                    "models" => view! { <pages::Models/> }.into_any(),
                    "cameras" => view! { <pages::Cameras arg=arg/> }.into_any(),
                    "import" => view! { <pages::Import/> }.into_any(),
                    "storage" => view! { <pages::Storage/> }.into_any(),
                    "sync" => view! { <pages::Sync/> }.into_any(),
                    "settings" => view! { <pages::Settings/> }.into_any(),
                    "about" => view! { <pages::About/> }.into_any(),
                    _ => view! { <pages::Today/> }.into_any(),
                }
            }}
        </main>
    }
}

/// Shows `site`'s data from now on (at a central).
fn pick_site(ctx: Ctx, site: String) {
    api::set_site(Some(&site));
    if ctx.site.get_untracked().as_deref() != Some(site.as_str()) {
        let _ = ctx.site.try_set(Some(site));
    }
}
