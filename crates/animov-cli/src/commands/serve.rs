//! `animov serve`: the whole product minus the window.

use std::io::{IsTerminal, Write};

use animov_api::Role;
use animov_engine::{Engine, demo, runtime::shutdown_signal, users};
use animov_http::{AppState, server};

use crate::{
    args::{Global, ServeArgs},
    setup,
};

/// Runs the engine until Ctrl-C or SIGTERM.
pub async fn run(global: &Global, a: ServeArgs) -> anyhow::Result<()> {
    let s = setup::prepare(global)?;
    let mut config = s.config;
    if let Some(l) = a.listen {
        config.listen = l;
    }
    if let Some(n) = a.demo_cameras {
        config.demo.cameras = n;
    }
    if let Some(seed) = a.seed {
        config.demo.seed = seed;
    }
    let engine = animov_engine::open(&s.data_dir, config).await?;
    let demo_cams = match a.demo {
        true => Some(demo::prepare(&engine).await?),
        false => None,
    };
    let created = match a.demo {
        true => demo_admin(&engine, &s.data_dir).await?,
        false => None,
    };
    // No one can sign in with a password yet: a one-time setup link, like
    // the desktop window's (the secret rides in the fragment, never logged).
    let setup_secret = match a.demo || has_password_users(&engine).await? {
        true => None,
        false => Some(animov_auth::new_signing_key()),
    };
    let listen = engine.config.listen;
    let tls = match engine.config.tls.enabled {
        true => Some(animov_http::tls::load(&engine.config, &engine.secrets)?),
        false => None,
    };
    let fingerprint = tls
        .as_ref()
        .and_then(|t| t.status.fingerprint_sha256.clone());
    let state = AppState::open(engine, setup_secret.clone())?;
    let running = server::start_with(state, listen, demo_cams, tls).await?;
    let scheme = if fingerprint.is_some() {
        "https"
    } else {
        "http"
    };
    let url = format!("{scheme}://{}", running.addr);
    println!("AniMOV is running at {url}  (API docs: {url}/api/v1/docs, health: {url}/health)");
    if let Some(fp) = fingerprint {
        println!(
            "HTTPS certificate SHA-256 fingerprint: {fp}  (compare it with the browser's before \
             accepting a self-signed certificate; Settings shows it too)"
        );
    }
    if let Some(secret) = setup_secret {
        // The link signs in as admin: on a terminal it is shown; otherwise
        // (a service whose output goes to a log) only its owner-only file is named.
        let link = format!("{url}/#local={secret}");
        let file = s.data_dir.join("setup-link.txt");
        owner_only_file(&file, &format!("{link}\n"))?;
        if std::io::stdout().is_terminal() {
            println!(
                "First start: set AniMOV up at {link}  (this link works until AniMOV stops; \
                 or create an admin with `animov user add`)"
            );
        } else {
            println!(
                "First start: open the link in {} (readable by you only; it works until AniMOV stops) \
                 to set AniMOV up, or create an admin with `animov user add`",
                file.display()
            );
        }
    }
    if let Some(pw) = created {
        println!(
            "Sign in as admin / {pw}  (also in {})",
            s.data_dir.join("demo-credentials.txt").display()
        );
    }
    println!(
        "Data folder: {}. Press Ctrl-C to stop.",
        s.data_dir.display()
    );
    shutdown_signal().await;
    running.shutdown().await;
    // The link died with this run.
    let _ = std::fs::remove_file(s.data_dir.join("setup-link.txt"));
    Ok(())
}

/// Whether anyone can sign in with a password (the desktop window's own
/// account cannot).
async fn has_password_users(engine: &Engine) -> anyhow::Result<bool> {
    Ok(engine
        .store
        .users()
        .await?
        .iter()
        .any(|u| u.username != animov_http::routes::auth::LOCAL_USER))
}

/// With --demo and no user yet: an admin with a random password, shown once
/// and kept in an owner-only file.
async fn demo_admin(engine: &Engine, data_dir: &std::path::Path) -> anyhow::Result<Option<String>> {
    if engine.store.user_count().await? > 0 {
        return Ok(None);
    }
    let password: String = animov_auth::new_api_key()
        .chars()
        .skip(4)
        .take(16)
        .collect();
    users::add_user(&engine.store, "admin", Role::Admin, &password).await?;
    owner_only_file(
        &data_dir.join("demo-credentials.txt"),
        &format!("username: admin\npassword: {password}\n"),
    )?;
    Ok(Some(password))
}

/// Writes `text` to `path`, readable by this user only.
fn owner_only_file(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    opts.open(path)?.write_all(text.as_bytes())
}
