//! The desktop shell: a thin Tauri app around the engine.
//!
//! It starts the engine in-process on a loopback port, waits until it listens,
//! opens one window on the engine's UI already signed in as the farm's owner
//! (the `local` admin)
//! (a per-launch secret is handed to the engine and to the window's first URL
//! fragment — no password in the page or in a file), keeps a tray icon with Open/Quit,
//! shows OS notifications for engine events that deserve them ([`notify`]), and
//! stops the engine cleanly on exit. Closing the window keeps AniMOV running in
//! the tray (statistics and, later, alerts go on).

mod engine;
pub mod notify;
mod tray;

use std::process::ExitCode;

use tauri::{Manager, RunEvent, WebviewUrl, WebviewWindowBuilder, WindowEvent};

pub use engine::{Args, DesktopEngine};

/// Label of the main window.
pub const MAIN: &str = "main";

/// Runs the desktop app until Quit.
pub fn run() -> ExitCode {
    // Months of running: an allocator that gives memory back.
    animov_engine::memory::restart_with_tuned_allocator();
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .setup(move |app| {
            // Installed (.deb): the UI, the detector and ONNX Runtime ship as resources.
            let resources = app.path().resource_dir().ok();
            let engine = tauri::async_runtime::block_on(DesktopEngine::start(&args, resources))?;
            let url = format!("http://{}/", engine.addr());
            println!("AniMOV engine at {url} (data: {})", args.data_dir.display());
            // The secret rides in the fragment: the UI reads it, signs in, and
            // removes it from the address; fragments never reach a server log.
            let mut first = format!("{url}#local={}", engine.local_secret());
            if let Some(page) = &args.open {
                first.push_str(&format!("&open={page}"));
            }
            WebviewWindowBuilder::new(app, MAIN, WebviewUrl::External(first.parse()?))
                .title("AniMOV")
                .inner_size(1280.0, 860.0)
                .min_inner_size(800.0, 600.0)
                .build()?;
            tray::install(app.handle())?;
            notify::forward(app.handle().clone(), engine.events());
            app.manage(engine);
            // Ctrl-C or SIGTERM: leave like Quit, stopping the engine cleanly.
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                animov_engine::runtime::shutdown_signal().await;
                handle.exit(0);
            });
            Ok(())
        })
        .on_window_event(|window, event| {
            if let WindowEvent::CloseRequested { api, .. } = event
                && window.label() == MAIN
            {
                // Keep running in the tray; Quit is in the tray menu.
                api.prevent_close();
                let _ = window.hide();
            }
        })
        .build(tauri::generate_context!());
    let app = match app {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: cannot start the AniMOV window: {e}");
            return ExitCode::FAILURE;
        }
    };
    app.run(|handle, event| {
        if let RunEvent::Exit = event
            && let Some(engine) = handle.try_state::<DesktopEngine>()
        {
            tauri::async_runtime::block_on(engine.stop());
        }
    });
    ExitCode::SUCCESS
}
