//! Live updates pushed by the engine (server-sent events).

use animov_api::Event;
use leptos::prelude::on_cleanup;
use wasm_bindgen::{JsCast, closure::Closure};

use crate::api;

/// Calls `f` with every event while the current component is shown.
pub fn subscribe(f: impl Fn(Event) + 'static) {
    if api::token().is_none() {
        return;
    }
    let Ok(es) = web_sys::EventSource::new(&api::media("/api/v1/events")) else {
        return;
    };
    let on_message =
        Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |m: web_sys::MessageEvent| {
            if let Some(text) = m.data().as_string()
                && let Ok(e) = serde_json::from_str::<Event>(&text)
            {
                f(e);
            }
        });
    es.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    let es = send_wrapper::SendWrapper::new((es, on_message));
    on_cleanup(move || es.0.close());
}
