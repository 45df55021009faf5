//! Settings › secure connection: whether this page travels encrypted and,
//! with HTTPS, the certificate's fingerprint to compare with the browser's
//! and the certificate itself (for a barn PC's `sync.ca_file`).

use animov_api::TlsStatus;
use leptos::{prelude::*, task::spawn_local};

use super::ErrorBox;
use crate::{api, app::ctx};

/// The secure-connection section (every signed-in user: the fingerprint is
/// what anyone checks before trusting a self-signed certificate).
#[component]
pub fn Connection() -> impl IntoView {
    let ctx = ctx();
    let status = RwSignal::new(None::<Result<TlsStatus, String>>);
    spawn_local(async move {
        status.set(Some(
            api::get("/api/v1/server/tls")
                .await
                .map_err(|e: api::Failure| e.message),
        ))
    });
    view! {
        <h2>{move || ctx.t("tls.title")}</h2>
        {move || match status.get() {
            None => view! { <p class="loading">{ctx.t("common.loading")}</p> }.into_any(),
            Some(Err(e)) => view! { <ErrorBox message=e/> }.into_any(),
            Some(Ok(s)) if s.https => https(s).into_any(),
            Some(Ok(s)) if s.lan => view! {
                <p class="error" id="tls-state" data-https="false">{move || ctx.t("tls.clear_lan")}</p>
            }.into_any(),
            Some(Ok(_)) => view! {
                <p id="tls-state" data-https="false">{move || ctx.t("tls.local_only")}</p>
            }.into_any(),
        }}
    }
}

fn https(s: TlsStatus) -> impl IntoView {
    let ctx = ctx();
    let pem = s.certificate_pem.unwrap_or_default();
    let href = format!(
        "data:application/x-pem-file;charset=utf-8,{}",
        String::from(js_sys::encode_uri_component(&pem))
    );
    view! {
        <p id="tls-state" data-https="true">{move || ctx.t("tls.on")}</p>
        {s.self_signed.then(|| view! { <p class="hint">{move || ctx.t("tls.self_signed")}</p> })}
        <dl id="tls">
            <dt>{move || ctx.t("tls.fingerprint")}</dt>
            <dd><code id="tls-fingerprint">{s.fingerprint_sha256.unwrap_or_default()}</code></dd>
            {(!s.names.is_empty()).then(|| view! {
                <dt>{move || ctx.t("tls.names")}</dt>
                <dd id="tls-names">{s.names.join(", ")}</dd>
            })}
        </dl>
        <p>
            <a id="tls-download" href=href download="animov-certificate.pem">{move || ctx.t("tls.download")}</a>
            " "<span class="hint">{move || ctx.t("tls.download_hint")}</span>
        </p>
    }
}
