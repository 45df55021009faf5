//! Import: the INRA CSV exports, picked or dropped, sent one by one with
//! their progress, and a report per file (rows imported, already there,
//! refused and why), with a link to the imported days on the Timeline.

use animov_api::ImportResult;
use leptos::{ev, prelude::*, task::spawn_local};
use wasm_bindgen::JsCast;

use super::ErrorBox;
use crate::{api, app::ctx, time};

/// One file's import.
#[derive(Clone)]
struct Row {
    name: String,
    sent: f64,
    result: Option<Result<ImportResult, String>>,
}

/// The Import page.
#[component]
pub fn Import() -> impl IntoView {
    let ctx = ctx();
    let source = RwSignal::new(String::new());
    let rows = RwSignal::new(Vec::<Row>::new());
    let busy = RwSignal::new(false);
    let over = RwSignal::new(false);
    let send = move |files: Vec<web_sys::File>| {
        if files.is_empty() || busy.get_untracked() {
            return;
        }
        busy.set(true);
        let first = rows.with_untracked(Vec::len);
        rows.update(|r| {
            r.extend(files.iter().map(|f| Row {
                name: f.name(),
                sent: 0.0,
                result: None,
            }))
        });
        let src = source.get_untracked();
        spawn_local(async move {
            for (k, f) in files.into_iter().enumerate() {
                let i = first + k;
                let mut path = format!("/api/v1/import/csv?file={}", api::q(&f.name()));
                if !src.trim().is_empty() {
                    path.push_str(&format!("&source={}", api::q(src.trim())));
                }
                let r = api::upload::<ImportResult>(&path, &f, move |share| {
                    rows.try_update(|r| r[i].sent = share);
                })
                .await;
                if rows.is_disposed() {
                    return;
                }
                rows.update(|rw| {
                    rw[i].sent = 1.0;
                    rw[i].result = Some(r.map_err(|e| e.message));
                });
            }
            busy.set(false);
        });
    };
    let picked = move |ev: ev::Event| {
        let files = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            .and_then(|i| i.files())
            .map(file_list)
            .unwrap_or_default();
        send(files);
    };
    let dropped = move |ev: ev::DragEvent| {
        ev.prevent_default();
        over.set(false);
        let files = ev
            .data_transfer()
            .and_then(|d| d.files())
            .map(file_list)
            .unwrap_or_default();
        send(files);
    };
    view! {
        <h1>{move || ctx.t("nav.import")}</h1>
        <p class="muted">{move || ctx.t("import.hint")}</p>
        <div class="form">
            <label>{move || ctx.t("import.source")}
                <input id="import-source" placeholder="cam-1" prop:value=source on:input=move |ev| source.set(event_target_value(&ev))/>
                <small class="muted">{move || ctx.t("import.source_hint")}</small>
            </label>
            <label class="dropzone" class:over=move || over.get()
                on:dragover=move |ev: ev::DragEvent| { ev.prevent_default(); over.set(true); }
                on:dragleave=move |_| over.set(false)
                on:drop=dropped>
                <span>{move || ctx.t("import.drop")}</span>
                <input id="import-files" type="file" accept=".csv,text/csv" multiple on:change=picked disabled=move || busy.get()/>
            </label>
        </div>
        <table class="cameras" id="import-report">
            <thead><tr>
                <th>{move || ctx.t("import.file")}</th><th>"Source"</th><th>{move || ctx.t("import.imported")}</th>
                <th>{move || ctx.t("import.already")}</th><th>{move || ctx.t("import.refused")}</th><th></th>
            </tr></thead>
            <tbody>
                {move || rows.get().into_iter().map(|r| { let done = r.result.is_some(); view! {
                    <tr data-file=r.name.clone() class:done=done>
                        <td>{r.name.clone()}</td>
                        {match r.result {
                            None => view! {
                                <td colspan="5"><progress max="1" value=r.sent></progress></td>
                            }.into_any(),
                            Some(Err(e)) => view! { <td colspan="5"><ErrorBox message=e/></td> }.into_any(),
                            Some(Ok(x)) => view! {
                                <td>{x.source.clone()}</td>
                                <td class="imported">{x.imported}</td>
                                <td>{x.duplicates}</td>
                                <td class="refused">
                                    {x.rejected}
                                    {(!x.rejected_lines.is_empty()).then(|| view! {
                                        <details><summary>{ctx.t("import.why")}</summary>
                                            <ul>{x.rejected_lines.iter().map(|l| view! {
                                                <li>{format!("{} {}: {}", ctx.t("import.line"), l.line, l.reason)}</li>
                                            }).collect_view()}</ul>
                                        </details>
                                    })}
                                </td>
                                <td>{x.first_ms.zip(x.last_ms).map(|(a, b)| view! {
                                    <a class="button timeline-link" href=format!("#/timeline/{}/{}/{}", x.source, time::ymd(a), time::ymd(b))>
                                        {format!("{} → {}", time::ymd(a), time::ymd(b))}
                                    </a>
                                })}</td>
                            }.into_any(),
                        }}
                    </tr>
                }}).collect_view()}
            </tbody>
        </table>
    }
}

fn file_list(list: web_sys::FileList) -> Vec<web_sys::File> {
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}
