//! About: version, commit, build date, database schema and bundled models.

use animov_api::VersionInfo;
use leptos::{prelude::*, task::spawn_local};

use super::ErrorBox;
use crate::{api, app::ctx};

/// Version page.
#[component]
pub fn About() -> impl IntoView {
    let ctx = ctx();
    let v = RwSignal::new(None::<Result<VersionInfo, String>>);
    spawn_local(async move {
        v.set(Some(
            api::get("/api/v1/version")
                .await
                .map_err(|e: api::Failure| e.message),
        ))
    });
    view! {
        <h1>{move || ctx.t("nav.about")}</h1>
        {move || match v.get() {
            None => view! { <p class="loading">{ctx.t("common.loading")}</p> }.into_any(),
            Some(Err(e)) => view! { <ErrorBox message=e/> }.into_any(),
            Some(Ok(v)) => view! {
                <dl>
                    <dt>{move || ctx.t("about.version")}</dt><dd id="version">{v.version.clone()}</dd>
                    <dt>{move || ctx.t("about.commit")}</dt>
                    <dd id="commit">
                        <code>{v.commit.clone()}</code>
                        {v.dirty.then(|| view! { " (" {move || ctx.t("about.dirty")} ")" })}
                    </dd>
                    <dt>{move || ctx.t("about.built")}</dt><dd id="build-date">{v.build_date.clone()}</dd>
                    <dt>{move || ctx.t("about.schema")}</dt><dd id="schema">{v.schema_version}</dd>
                    <dt>{move || ctx.t("about.models")}</dt>
                    <dd>
                        <ul id="models">
                            {v.models.iter().map(|m| {
                                let role = format!("about.model.{}", m.role);
                                let sha = m.sha256.clone();
                                view! {
                                    <li data-role=m.role.clone()>
                                        {move || ctx.t(&role)} ": " {m.name.clone()} " "
                                        {match sha {
                                            Some(h) => view! { <code>{h}</code> }.into_any(),
                                            None => view! { <em>{move || ctx.t("about.model.missing")}</em> }.into_any(),
                                        }}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    </dd>
                </dl>
            }.into_any(),
        }}
    }
}
