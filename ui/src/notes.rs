//! Notes shown on other pages (Timeline, an alert, the Notes page): a list
//! of a camera's notes over a span, each linking to the moment in Review.

use animov_api::Note;
use leptos::{prelude::*, task::spawn_local};

use crate::{api, app::ctx, i18n::Lang, time};

/// A tag's name for people (the default tags in both languages; others as written).
pub fn tag_label(lang: Lang, tag: &str) -> String {
    let fr = lang == Lang::Fr;
    let (f, e) = match tag {
        "lameness" => ("boiterie", "lameness"),
        "mastitis" => ("mammite", "mastitis"),
        "feeding" => ("alimentation", "feeding"),
        "treatment" => ("traitement", "treatment"),
        "birth" => ("mise bas", "birth"),
        "other" => ("autre", "other"),
        t => (t, t),
    };
    (if fr { f } else { e }).to_string()
}

/// Where a note is seen in Review.
pub fn review_link(n: &Note) -> String {
    format!(
        "#/review/{}/{}/{}",
        n.source,
        time::ymd(n.start_ms),
        time::hm_s(n.start_ms)
    )
}

/// Rows of notes (`id` on the list element), newest first.
pub fn rows(notes: Vec<Note>, id: &'static str) -> impl IntoView {
    let ctx = ctx();
    let count = notes.len();
    view! {
        <ul id=id class="note-list" data-count=count>
            {notes.into_iter().map(|n| {
                let link = review_link(&n);
                let tags = n.tags.iter().map(|t| tag_label(ctx.lang.get_untracked(), t)).collect::<Vec<_>>().join(", ");
                view! {
                    <li data-id=n.id data-tags=n.tags.join(",")>
                        <a href=link>{format!("{} {}–{}", time::ymd_hm(n.start_ms), n.source, time::hm_s(n.end_ms))}</a>" "
                        <strong>{tags}</strong>" "{n.text.clone()}" "
                        <span class="muted">{format!("— {}", n.author)}</span>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

/// The notes of `source` overlapping `[from, to)` (UTC ms), fetched when
/// the span changes; nothing shown when there are none.
pub fn around(source: Signal<String>, span: Signal<(i64, i64)>, id: &'static str) -> impl IntoView {
    let ctx = ctx();
    let notes = RwSignal::new(Vec::<Note>::new());
    Effect::new(move |_| {
        let (src, (from, to)) = (source.get(), span.get());
        if src.is_empty() {
            return;
        }
        spawn_local(async move {
            let path = format!(
                "/api/v1/notes?source={}&from={from}&to={to}&limit=200",
                api::q(&src)
            );
            if let Ok(ns) = api::get::<Vec<Note>>(&path).await {
                let _ = notes.try_set(ns);
            }
        });
    });
    move || {
        let ns = notes.get();
        (!ns.is_empty()).then(|| {
            view! {
                <h3>{ctx.t("notes.title")}</h3>
                {rows(ns, id)}
            }
        })
    }
}
