//! The Review page's list of the day's recordings: time (plays it), size,
//! notes covering it, keep flag (every role), delete (admin).

use animov_api::{Note, Recording};
use leptos::{prelude::*, task::spawn_local};

use crate::{api, app::ctx, time};

#[component]
pub fn DayRecordings(
    recordings: Vec<Recording>,
    notes: Vec<Note>,
    seek: Callback<i64>,
    reload: RwSignal<u32>,
) -> impl IntoView {
    let ctx = ctx();
    // At a central, recordings are the farm's: kept and deleted there.
    let farm = !ctx.central.get_untracked();
    let can_keep = ctx.user.get().is_some() && farm;
    let admin = ctx.is_admin() && farm;
    view! {
        <table id="review-recordings">
            <thead><tr>
                <th>{ctx.t("review.rec_time")}</th><th>{ctx.t("review.rec_size")}</th>
                <th>{ctx.t("review.notes")}</th><th>{ctx.t("review.rec_keep")}</th><th></th>
            </tr></thead>
            <tbody>
                {recordings.iter().map(|r| {
                    let noted = notes.iter().filter(|n| n.start_ms < r.end_ms && n.end_ms >= r.start_ms).count();
                    let (id, start, keep) = (r.id, r.start_ms, r.keep);
                    view! {
                        <tr data-id=id>
                            <td><a href="#" on:click=move |ev| { ev.prevent_default(); seek.run(start); }>
                                {format!("{} – {}", time::hm_s(r.start_ms), time::hm_s(r.end_ms))}</a></td>
                            <td>{format!("{:.1} Mo", r.bytes as f64 / 1e6)}</td>
                            <td>{noted}</td>
                            <td><input type="checkbox" class="rec-keep" prop:checked=keep disabled=!can_keep
                                on:change=move |ev| {
                                    let keep = event_target_checked(&ev);
                                    spawn_local(async move {
                                        let body = serde_json::json!({ "keep": keep });
                                        let _ = api::send::<_, ()>("PUT", &format!("/api/v1/recordings/{id}/keep"), &body).await;
                                        reload.update(|r| *r += 1);
                                    });
                                }/></td>
                            <td>{admin.then(|| view! {
                                <button type="button" class="rec-delete" on:click=move |_| {
                                    let sure = web_sys::window()
                                        .and_then(|w| w.confirm_with_message(ctx.t("review.rec_delete_confirm")).ok())
                                        .unwrap_or(false);
                                    if sure {
                                        spawn_local(async move {
                                            let _ = api::send::<_, ()>("DELETE", &format!("/api/v1/recordings/{id}"), &()).await;
                                            reload.update(|r| *r += 1);
                                        });
                                    }
                                }>{ctx.t("review.rec_delete")}</button>
                            })}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        <p class="muted">{ctx.t("review.rec_hint")}</p>
    }
}
