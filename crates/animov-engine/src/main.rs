//! `animov`: the engine's command line.

use std::{
    io::{BufRead, Write},
    net::SocketAddr,
    path::{Path, PathBuf},
    process::ExitCode,
};

use animov_api::Role;
use animov_engine::{
    config::{Config, SecretsBackend, default_data_dir},
    demo, import, jobs, secret_names,
    secrets::Secrets,
    server, telemetry, users,
};
use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "animov",
    version,
    about = "AniMOV: goat activity from barn cameras"
)]
struct Cli {
    /// Folder of the database, logs and settings (animov.toml).
    #[arg(long, global = true, env = "ANIMOV_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Where secrets live: `keyring` (default) or `file` (owner-only files in the data folder).
    #[arg(long, global = true, env = "ANIMOV_SECRETS")]
    secrets: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the engine: HTTP API, statistics jobs and, with --demo, the demo feed.
    Serve {
        /// Address to listen on (loopback unless `allow_lan = true` in animov.toml).
        #[arg(long)]
        listen: Option<SocketAddr>,
        /// Simulated cameras with history, then live frames.
        #[arg(long)]
        demo: bool,
        /// Number of demo cameras.
        #[arg(long)]
        demo_cameras: Option<u32>,
        /// Seed of the demo herds.
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Create demo history at once (and optionally keep streaming).
    Demo {
        /// Days of history.
        #[arg(long, default_value_t = 7)]
        days: u32,
        /// Number of demo cameras.
        #[arg(long)]
        cameras: Option<u32>,
        /// Seed of the demo herds.
        #[arg(long)]
        seed: Option<u64>,
        /// Keep adding live frames until Ctrl-C.
        #[arg(long)]
        stream: bool,
    },
    /// Import data files.
    Import {
        #[command(subcommand)]
        what: ImportCommand,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        what: UserCommand,
    },
    /// Store a secret (e.g. `mysql-password`) read from standard input.
    Secret {
        #[command(subcommand)]
        what: SecretCommand,
    },
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// Alert tools for analysts.
    Alerts {
        #[command(subcommand)]
        what: AlertsCommand,
    },
    /// Forecasting tools for analysts.
    Forecast {
        #[command(subcommand)]
        what: ForecastCommand,
    },
    /// Run the camera pipeline on image or video files and print the boxes and counts.
    Detect {
        /// JPEG/PNG images or video files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Detector (.onnx with its .json beside it); default: the bundled one.
        #[arg(long)]
        model: Option<PathBuf>,
        /// Frames analysed per second of video.
        #[arg(long, default_value_t = 2)]
        fps: u32,
        /// Detector threads.
        #[arg(long, default_value_t = 1)]
        threads: usize,
        /// Print JSON: `[{file, width, height, detections: [{class, role, posture, score, x, y, w, h}], counts: {standing, lying, unknown}}]`.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// INRA CSV exports (date, "Effectif couche", "Effectif debout"); files `*-N.csv` go to source `cam-N`.
    Csv {
        /// Files to import.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Source for every file (default: from each file name).
        #[arg(long)]
        source: Option<String>,
        /// Time zone of the dates in the files, minutes from UTC (e.g. 60 for CET).
        #[arg(long, allow_hyphen_values = true)]
        utc_offset_minutes: Option<i32>,
    },
}

#[derive(Subcommand)]
enum AlertsCommand {
    /// Replay a 15-minute series (CSV: timestamp, source, lying, standing,
    /// total, ratio_standing) through the alert rules, with forecasts made as
    /// the engine makes them, and print the alerts that would open and resolve.
    Replay {
        /// The series CSV.
        #[arg(long)]
        input: PathBuf,
        /// Goats in each pen (enables the herd count rule).
        #[arg(long)]
        herd_size: Option<u32>,
        /// Rule settings (JSON, as `GET /api/v1/alerts/rules` returns); default: the defaults.
        #[arg(long)]
        rules: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum ForecastCommand {
    /// Fit SARIMAX per source on all but the last days of a 15-minute series
    /// (CSV: timestamp, source, ratio_standing) and score the holdout against
    /// the seasonal naive forecast.
    Eval {
        /// The series CSV.
        #[arg(long)]
        input: PathBuf,
        /// The model, `(p,d,q)(P,D,Q,s)`.
        #[arg(long, default_value = "(1,1,1)(1,1,1,96)")]
        spec: String,
        /// Days held out at the end (96 buckets each).
        #[arg(long, default_value_t = 2)]
        holdout_days: u32,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user.
    Add {
        /// Login name.
        #[arg(long)]
        username: String,
        /// admin, operator or vet.
        #[arg(long)]
        role: String,
        /// Read the password from the first line of standard input.
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
enum SecretCommand {
    /// Set a secret from the first line of standard input.
    Set {
        /// `mysql-password` (or `jwt-signing-key` to rotate it: every session ends).
        name: String,
    },
}

fn load_config(cli: &Cli, data_dir: &Path) -> anyhow::Result<Config> {
    let mut cfg = Config::load(data_dir)?;
    if let Some(s) = &cli.secrets {
        cfg.secrets = SecretsBackend::parse(s)
            .with_context(|| format!("--secrets must be keyring or file, not {s:?}"))?;
    }
    Ok(cfg)
}

fn read_stdin_line(what: &str) -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .with_context(|| format!("cannot read the {what} from standard input"))?;
    let line = line.trim_end_matches(['\n', '\r']).to_string();
    if line.is_empty() {
        bail!(
            "no {what} on standard input: pipe it in, e.g. `printf '%s\\n' \"$PASS\" | animov ...`"
        );
    }
    Ok(line)
}

/// With --demo and no user yet: an admin with a random password, shown once.
async fn demo_admin(
    state: &animov_engine::state::AppState,
    data_dir: &Path,
) -> anyhow::Result<Option<String>> {
    if state.store.user_count().await? > 0 {
        return Ok(None);
    }
    let password: String = animov_engine::auth::new_api_key()
        .chars()
        .skip(4)
        .take(16)
        .collect();
    users::add_user(&state.store, "admin", Role::Admin, &password).await?;
    let path = data_dir.join("demo-credentials.txt");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    opts.open(&path)?
        .write_all(format!("username: admin\npassword: {password}\n").as_bytes())?;
    Ok(Some(password))
}

/// `animov forecast eval`: needs no data folder either.
fn forecast_eval(input: &Path, spec: &str, holdout_days: u32, json: bool) -> anyhow::Result<()> {
    use animov_engine::forecast_eval::{evaluate, read_series, to_text};
    let spec = animov_forecast::SarimaxSpec::parse(spec)?;
    if holdout_days == 0 || holdout_days > 60 {
        bail!("--holdout-days must be between 1 and 60");
    }
    let file =
        std::fs::File::open(input).with_context(|| format!("cannot open {}", input.display()))?;
    let series = read_series(file).map_err(|e| anyhow::anyhow!("{}: {e}", input.display()))?;
    let mut results = Vec::new();
    let mut failed = Vec::new();
    for s in &series {
        match evaluate(s, spec, holdout_days as usize * 96) {
            Ok(r) => {
                if !json {
                    print!("{}", to_text(&r));
                }
                results.push(r);
            }
            Err(e) => {
                eprintln!("animov forecast eval: {e}");
                failed.push(s.source.clone());
            }
        }
    }
    if json {
        serde_json::to_writer_pretty(std::io::stdout().lock(), &results)?;
        println!();
    }
    if !failed.is_empty() {
        bail!(
            "{} of {} sources could not be evaluated: {}",
            failed.len(),
            series.len(),
            failed.join(", ")
        );
    }
    Ok(())
}

/// `animov alerts replay`: needs no data folder either.
fn alerts_replay(
    input: &Path,
    herd_size: Option<u32>,
    rules: Option<&Path>,
    json: bool,
) -> anyhow::Result<()> {
    use animov_engine::alerting::replay::{replay_csv, to_text};
    let rules: animov_api::AlertRules = match rules {
        Some(p) => {
            let text = std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?;
            serde_json::from_slice(&text)
                .with_context(|| format!("{} is not valid alert rules JSON", p.display()))?
        }
        None => animov_api::AlertRules::default(),
    };
    if herd_size == Some(0) {
        bail!("--herd-size must be at least 1");
    }
    let file =
        std::fs::File::open(input).with_context(|| format!("cannot open {}", input.display()))?;
    let alerts = replay_csv(file, herd_size, &rules)
        .map_err(|e| anyhow::anyhow!("{}: {e}", input.display()))?;
    if json {
        serde_json::to_writer_pretty(std::io::stdout().lock(), &alerts)?;
        println!();
    } else {
        print!("{}", to_text(&alerts));
    }
    Ok(())
}

/// `animov detect`: needs no data folder, database or logs.
fn detect(
    files: &[PathBuf],
    model: Option<PathBuf>,
    fps: u32,
    threads: usize,
    json: bool,
) -> anyhow::Result<()> {
    use animov_engine::detect::{detect_file, model_path, to_text};
    if !(1..=60).contains(&fps) {
        bail!("--fps must be between 1 and 60");
    }
    let model = model_path(model).map_err(anyhow::Error::msg)?;
    let mut detector = animov_vision::Detector::load(&model, threads.max(1))?;
    let mut all = Vec::new();
    let mut failed = 0;
    let stdout = std::io::stdout();
    for f in files {
        match detect_file(&mut detector, f, fps) {
            Ok(reports) => {
                if !json {
                    let mut out = stdout.lock();
                    for r in &reports {
                        out.write_all(to_text(r).as_bytes())?;
                    }
                }
                all.extend(reports);
            }
            Err(e) => {
                eprintln!("animov detect: {e}");
                failed += 1;
            }
        }
    }
    if json {
        serde_json::to_writer_pretty(stdout.lock(), &all)?;
        println!();
    }
    if failed > 0 {
        bail!("{failed} of {} files could not be analysed", files.len());
    }
    Ok(())
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    if let Command::Alerts {
        what:
            AlertsCommand::Replay {
                input,
                herd_size,
                rules,
                json,
            },
    } = &cli.command
    {
        let (input, herd, rules, json) = (input.clone(), *herd_size, rules.clone(), *json);
        return tokio::task::spawn_blocking(move || {
            alerts_replay(&input, herd, rules.as_deref(), json)
        })
        .await?;
    }
    if let Command::Forecast {
        what:
            ForecastCommand::Eval {
                input,
                spec,
                holdout_days,
                json,
            },
    } = &cli.command
    {
        let (input, spec, holdout_days, json) = (input.clone(), spec.clone(), *holdout_days, *json);
        return tokio::task::spawn_blocking(move || {
            forecast_eval(&input, &spec, holdout_days, json)
        })
        .await?;
    }
    if let Command::Detect {
        files,
        model,
        fps,
        threads,
        json,
    } = &cli.command
    {
        let (files, model, fps, threads, json) =
            (files.clone(), model.clone(), *fps, *threads, *json);
        return tokio::task::spawn_blocking(move || detect(&files, model, fps, threads, json))
            .await?;
    }
    let data_dir = cli.data_dir.clone().unwrap_or_else(default_data_dir);
    if !data_dir.exists() {
        std::fs::create_dir_all(&data_dir)
            .with_context(|| format!("cannot create the data folder {}", data_dir.display()))?;
        // The folder holds password hashes and maybe secrets: this user only.
        #[cfg(unix)]
        std::fs::set_permissions(
            &data_dir,
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )?;
    }
    let mut config = load_config(&cli, &data_dir)?;
    let _log_guard = telemetry::init(&data_dir, config.log_files);
    match cli.command {
        Command::Serve {
            listen,
            demo: with_demo,
            demo_cameras,
            seed,
        } => {
            if let Some(l) = listen {
                config.listen = l;
            }
            if let Some(n) = demo_cameras {
                config.demo.cameras = n;
            }
            if let Some(s) = seed {
                config.demo.seed = s;
            }
            let state = animov_engine::open(&data_dir, config).await?;
            let demo_cams = if with_demo {
                let cams = demo::ensure_cameras(&state.store, &state.config.demo).await?;
                let n = demo::backfill(
                    &state.store,
                    &cams,
                    state.config.demo.backfill_days,
                    state.config.demo.backfill_interval_ms as i64,
                    animov_store::now_ms(),
                )
                .await?;
                if n > 0 {
                    tracing::info!(
                        frames = n,
                        "demo history created; computing minute statistics"
                    );
                }
                jobs::close_now(&state, animov_store::now_ms()).await?;
                Some(cams)
            } else {
                None
            };
            let created = if with_demo {
                demo_admin(&state, &data_dir).await?
            } else {
                None
            };
            let running = server::start(state.clone(), state.config.listen, demo_cams).await?;
            let url = format!("http://{}", running.addr);
            println!(
                "AniMOV is running at {url}  (API docs: {url}/api/v1/docs, health: {url}/health)"
            );
            if let Some(pw) = created {
                println!(
                    "Sign in as admin / {pw}  (also in {})",
                    data_dir.join("demo-credentials.txt").display()
                );
            }
            println!("Data folder: {}. Press Ctrl-C to stop.", data_dir.display());
            server::shutdown_signal().await;
            running.shutdown(&state).await;
        }
        Command::Demo {
            days,
            cameras,
            seed,
            stream,
        } => {
            if let Some(n) = cameras {
                config.demo.cameras = n;
            }
            if let Some(s) = seed {
                config.demo.seed = s;
            }
            let state = animov_engine::open(&data_dir, config).await?;
            let cams = demo::ensure_cameras(&state.store, &state.config.demo).await?;
            let started = std::time::Instant::now();
            let n = demo::backfill(
                &state.store,
                &cams,
                days,
                state.config.demo.backfill_interval_ms as i64,
                animov_store::now_ms(),
            )
            .await?;
            let m = jobs::close_now(&state, animov_store::now_ms()).await?;
            println!(
                "{n} frames and {m} minute rows created for {} cameras in {:.1} s",
                cams.len(),
                started.elapsed().as_secs_f64()
            );
            if stream {
                let (stop, stopped) = tokio::sync::watch::channel(false);
                let closer = tokio::spawn(jobs::minute_closer(state.clone(), stopped.clone()));
                let feed = tokio::spawn(demo::stream(
                    state.clone(),
                    cams,
                    state.config.demo.interval_ms,
                    stopped,
                ));
                println!("streaming live demo frames; Ctrl-C to stop");
                server::shutdown_signal().await;
                let _ = stop.send(true);
                let _ = feed.await;
                let _ = closer.await;
            }
            state.store.close().await;
        }
        Command::Import {
            what:
                ImportCommand::Csv {
                    paths,
                    source,
                    utc_offset_minutes,
                },
        } => {
            let offset =
                i64::from(utc_offset_minutes.unwrap_or(config.legacy_utc_offset_minutes)) * 60_000;
            let max_future = i64::from(config.max_future_seconds) * 1000;
            let state = animov_engine::open(&data_dir, config).await?;
            let mut failed = false;
            for path in &paths {
                let Some(src) = source.clone().or_else(|| import::source_for_path(path)) else {
                    eprintln!(
                        "{}: cannot tell the source from the file name (expected *-N.csv): use --source NAME",
                        path.display()
                    );
                    failed = true;
                    continue;
                };
                if let Err(e) = animov_core::ingest::validate_source(&src) {
                    bail!("--source: {}", e.message);
                }
                match import::import_file(&state.store, path, &src, offset, max_future).await {
                    Ok(Ok(r)) => {
                        println!(
                            "{}: source {src}: {} imported, {} already there, {} rejected",
                            path.display(),
                            r.imported,
                            r.duplicates,
                            r.rejected.len()
                        );
                        for rej in r.rejected.iter().take(20) {
                            println!("  line {}: {}", rej.line, rej.reason);
                        }
                        if r.rejected.len() > 20 {
                            println!("  ... and {} more", r.rejected.len() - 20);
                        }
                    }
                    Ok(Err(e)) => {
                        eprintln!("{}: {e}; nothing imported from this file", path.display());
                        failed = true;
                    }
                    Err(e) => {
                        eprintln!("{}: {e}", path.display());
                        failed = true;
                    }
                }
            }
            let m = jobs::close_now(&state, animov_store::now_ms()).await?;
            println!("{m} minute rows computed");
            state.store.close().await;
            if failed {
                bail!("some files were not imported (see above)");
            }
        }
        Command::User {
            what:
                UserCommand::Add {
                    username,
                    role,
                    password_stdin: _,
                },
        } => {
            let role = Role::parse(&role)
                .with_context(|| format!("--role must be admin, operator or vet, not {role:?}"))?;
            let password = read_stdin_line("password")?;
            let state = animov_engine::open(&data_dir, config).await?;
            users::add_user(&state.store, &username, role, &password).await?;
            println!("user {username} ({}) created", role.as_str());
            state.store.close().await;
        }
        Command::Secret {
            what: SecretCommand::Set { name },
        } => {
            if ![
                secret_names::MYSQL_PASSWORD,
                secret_names::SMTP_PASSWORD,
                secret_names::JWT_SIGNING_KEY,
            ]
            .contains(&name.as_str())
            {
                bail!(
                    "unknown secret {name:?}: use mysql-password, smtp-password or jwt-signing-key"
                );
            }
            let value = read_stdin_line("secret")?;
            Secrets::new(config.secrets, &data_dir).set(&name, &value)?;
            println!("secret {name} stored");
        }
        Command::Migrate => {
            let state = animov_engine::open(&data_dir, config).await?;
            println!("database schema is up to date ({})", state.store.site_id());
            state.store.close().await;
        }
        Command::Detect { .. } | Command::Forecast { .. } | Command::Alerts { .. } => {
            unreachable!("handled before the data folder is opened")
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
