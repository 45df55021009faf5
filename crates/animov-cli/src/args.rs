//! The command line: options shared by every command, and each command's own.

use std::{net::SocketAddr, path::PathBuf};

use clap::{Args, Parser, Subcommand};

/// `animov`.
#[derive(Parser)]
#[command(
    name = "animov",
    version,
    about = "AniMOV: goat activity from barn cameras",
    long_about = "AniMOV: goat activity from barn cameras.\n\n\
        Counts, frame by frame, how many goats stand and how many lie; keeps minute, hour and \
        day statistics; forecasts the next day; raises alerts; records video for the vet; \
        syncs to a central AniMOV. `animov serve` runs the engine and its web page; the other \
        commands manage the same data folder.",
    after_long_help = HELP_AFTER
)]
pub struct Cli {
    /// Options of every command.
    #[command(flatten)]
    pub global: Global,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// What `--help` (and the manual page) says after the options.
const HELP_AFTER: &str = "\
Files:
  <data folder>/animov.toml   settings (cameras' defaults, [database], [email], [sync], [tls])
  <data folder>/animov.sqlite the local database (unless [database] names MySQL/MariaDB)
  <data folder>/logs/         daily log files
  The data folder: --data-dir, else $ANIMOV_DATA_DIR, else ~/.local/share/animov
  (/var/lib/animov for the animov.service system service).
  Installed: /usr/share/animov/ui (the web page), /usr/share/animov/models (detector and
  forecast model), /usr/lib/animov (ONNX Runtime).

Environment:
  ANIMOV_DATA_DIR    the data folder
  ANIMOV_SECRETS     keyring (default) or file (owner-only files in the data folder)
  ANIMOV__<SECTION>__<KEY>  a setting of animov.toml, over the file's: ANIMOV__LISTEN=0.0.0.0:8642,
                     ANIMOV__ALLOW_LAN=true, ANIMOV__DATABASE__KIND=mysql, ANIMOV__SYNC__ROLE=central
  ANIMOV_<SECRET>_FILE  a file holding that secret, e.g. ANIMOV_MYSQL_PASSWORD_FILE=/run/secrets/db
                     (container secrets, systemd credentials)
  ANIMOV_UI_DIR      the built web page, instead of the installed one
  ANIMOV_MODELS_DIR  the models folder, instead of the installed one
  ORT_DYLIB_PATH     the ONNX Runtime library (libonnxruntime.so.1.24 or newer)
  RUST_LOG           log detail, e.g. info (default) or debug

First steps:
  animov user add --username admin --role admin     (the password on standard input)
  animov serve                                      (then open the address it prints)
  animov serve --demo                               (simulated cameras, to try it out)
  animov detect photo.jpg                           (boxes and counts on a picture)

Exit status: 0 when the command did what it says; 1 with a message on error; 2 on bad arguments.";

/// Options of every command.
#[derive(Args)]
pub struct Global {
    /// Folder of the database, logs and settings (animov.toml).
    #[arg(long, global = true, env = "ANIMOV_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Where secrets live: `keyring` (default) or `file` (owner-only files in the data folder).
    #[arg(long, global = true, env = "ANIMOV_SECRETS")]
    pub secrets: Option<String>,
}

/// The commands.
#[derive(Subcommand)]
pub enum Command {
    /// Run the engine: HTTP API, statistics jobs and, with --demo, the demo feed.
    Serve(ServeArgs),
    /// Create demo history at once (and optionally keep streaming).
    Demo(DemoArgs),
    /// Import data files.
    Import {
        /// What to import.
        #[command(subcommand)]
        what: ImportCommand,
    },
    /// Manage users.
    User {
        /// What to do.
        #[command(subcommand)]
        what: UserCommand,
    },
    /// Store a secret (e.g. `mysql-password`) read from standard input.
    Secret {
        /// What to do.
        #[command(subcommand)]
        what: SecretCommand,
    },
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// Ask the running engine whether it is healthy (exit 0) or not (exit 1): for
    /// container health checks and monitoring.
    Health {
        /// The address to ask (default: this data folder's `listen` address, on loopback).
        #[arg(long)]
        url: Option<String>,
        /// How long to wait for the answer.
        #[arg(long, default_value_t = 5)]
        timeout_seconds: u16,
    },
    /// Alert tools for analysts.
    Alerts {
        /// What to do.
        #[command(subcommand)]
        what: AlertsCommand,
    },
    /// Forecasting tools for analysts.
    Forecast {
        /// What to do.
        #[command(subcommand)]
        what: ForecastCommand,
    },
    /// Run the camera pipeline on image or video files and print the boxes and counts.
    Detect(DetectArgs),
    /// Write the manual pages (roff) of every command into a folder.
    #[command(hide = true)]
    Manual {
        /// The folder (created if needed).
        dir: PathBuf,
    },
    /// Sync with a central AniMOV.
    Sync {
        /// What to do.
        #[command(subcommand)]
        what: SyncCommand,
    },
}

/// `animov sync ...`.
#[derive(Subcommand)]
pub enum SyncCommand {
    /// Join a central with a one-time enrolment code (from its Sites page).
    Join {
        /// The central's address, e.g. https://central.coop.example:8642.
        url: String,
        /// The enrolment code.
        code: String,
        /// What to call this site at the central (default: this computer's name).
        #[arg(long)]
        name: Option<String>,
        /// The farm (default: the name).
        #[arg(long)]
        farm: Option<String>,
    },
    /// How far this site is: central, rows left per table, last contact, clock skew.
    Status {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Send everything pending now (and receive the central's changes).
    Now,
}

/// `animov serve`.
#[derive(Args)]
pub struct ServeArgs {
    /// Address to listen on (loopback unless `allow_lan = true` in animov.toml).
    #[arg(long)]
    pub listen: Option<SocketAddr>,
    /// Simulated cameras with history, then live frames.
    #[arg(long)]
    pub demo: bool,
    /// Number of demo cameras.
    #[arg(long)]
    pub demo_cameras: Option<u32>,
    /// Seed of the demo herds.
    #[arg(long)]
    pub seed: Option<u64>,
}

/// `animov demo`.
#[derive(Args)]
pub struct DemoArgs {
    /// Days of history.
    #[arg(long, default_value_t = 7)]
    pub days: u32,
    /// Number of demo cameras.
    #[arg(long)]
    pub cameras: Option<u32>,
    /// Seed of the demo herds.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Keep adding live frames until Ctrl-C.
    #[arg(long)]
    pub stream: bool,
}

/// `animov detect`.
#[derive(Args)]
pub struct DetectArgs {
    /// JPEG/PNG images or video files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Detector (.onnx with its .json beside it); default: the bundled one.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Frames analysed per second of video.
    #[arg(long, default_value_t = 2)]
    pub fps: u32,
    /// Detector threads.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Print JSON: `[{file, width, height, detections: [{class, role, posture, score, x, y, w, h}], counts: {standing, lying, unknown}}]`.
    #[arg(long)]
    pub json: bool,
}

/// `animov import`.
#[derive(Subcommand)]
pub enum ImportCommand {
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

/// `animov alerts`.
#[derive(Subcommand)]
pub enum AlertsCommand {
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
        #[command(flatten)]
        replay: ReplayArgs,
    },
    /// Replay a labelled set (a folder with series.csv, truth.csv and
    /// herd.csv, as shared/eval/alerts-dev) through the rules, each source
    /// with its herd size, and score the alerts: anomalies caught, delays,
    /// false alerts per camera-day, per kind and per rule.
    Eval {
        /// The set's folder.
        #[arg(long)]
        dir: PathBuf,
        /// A farmer judges each alert when it ends (from the truth: "false
        /// alarm" when it overlaps no anomaly, else "useful"), and the
        /// judgements tune the rules from then on, as in the engine.
        #[arg(long)]
        simulate_feedback: bool,
        #[command(flatten)]
        replay: ReplayArgs,
    },
}

/// How `animov alerts replay` and `eval` run the rules.
#[derive(clap::Args)]
pub struct ReplayArgs {
    /// Rule settings (JSON, as `GET /api/v1/alerts/rules` returns); default: the defaults.
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// Days of a camera's history the rules see at each tick (the engine: 29).
    #[arg(long, default_value_t = 29, value_parser = clap::value_parser!(u32).range(1..=400))]
    pub history_days: u32,
    /// Judge each source alone; by default the sources of the file are
    /// judged together as the pens of one farm, as the engine judges a site's cameras.
    #[arg(long)]
    pub single_pen: bool,
    /// Judgements given on alerts (CSV: source,rule,at,verdict with verdict
    /// false_alarm or useful), applied from their time on as the engine does.
    #[arg(long)]
    pub feedback: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `animov forecast`.
#[derive(Subcommand)]
pub enum ForecastCommand {
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
    /// Retrain the cameras' forecast models now, as the nightly run does
    /// (`[forecast] candidates`, `backtest_folds`, `retrain_days`,
    /// `retrain_parallel`): each candidate is backtested on rolling 2-day
    /// holdouts, the best is fitted on the last 7 days and promoted only when
    /// it beats the production model, the seasonal naive forecast and the
    /// seasonal mean of 3 days. Prints each camera's backtest table.
    Retrain {
        /// Only this camera.
        #[arg(long)]
        source: Option<String>,
        /// Print the run as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `animov user`.
#[derive(Subcommand)]
pub enum UserCommand {
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

/// `animov secret`.
#[derive(Subcommand)]
pub enum SecretCommand {
    /// Set a secret from the first line of standard input.
    Set {
        /// `mysql-password` (or `jwt-signing-key` to rotate it: every session ends).
        name: String,
    },
}
