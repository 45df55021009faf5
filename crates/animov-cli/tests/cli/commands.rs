//! The `animov` binary as a person uses it: users, CSV import, serve with the
//! demo feed (real socket, graceful stop), MySQL with the password as a secret.

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    path::Path,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

const BIN: &str = env!("CARGO_BIN_EXE_animov");

fn animov(data_dir: &Path, args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
    let mut child = Command::new(BIN)
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env("ANIMOV_SECRETS", "file")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

/// One HTTP/1.1 request over a plain socket; returns (status, body).
fn http(
    addr: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let body = body.unwrap_or("");
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    let status = resp[9..12].parse().unwrap();
    let body = resp
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

fn add_user(dir: &Path, name: &str, role: &str, stdin: &str) -> (bool, String, String) {
    animov(
        dir,
        &[
            "user",
            "add",
            "--username",
            name,
            "--role",
            role,
            "--password-stdin",
        ],
        Some(stdin),
    )
}

#[test]
fn user_add_checks_its_input() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (ok, out, err) = add_user(d, "alice", "admin", "s3cret-pass\n");
    assert!(ok, "{out}{err}");
    assert!(out.contains("user alice (admin) created"));
    let (ok, _, err) = add_user(d, "alice", "vet", "another-pass\n");
    assert!(!ok && err.contains("already taken"), "{err}");
    let (ok, _, err) = add_user(d, "bob", "boss", "another-pass\n");
    assert!(
        !ok && err.contains("--role must be admin, operator or vet"),
        "{err}"
    );
    let (ok, _, err) = add_user(d, "bob", "vet", "short\n");
    assert!(!ok && err.contains("at least 8"), "{err}");
    let (ok, _, err) = add_user(d, "bob", "vet", "");
    assert!(
        !ok && err.contains("no password on standard input"),
        "{err}"
    );
    let (ok, _, err) = add_user(d, "bob smith", "vet", "long-enough\n");
    assert!(!ok && err.contains("user names are"), "{err}");
}

#[test]
fn import_csv_reports_rows_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("export-2.csv");
    std::fs::write(
        &csv,
        "date;Effectif couche;Effectif debout\n2024-02-19 09:28:09.703;7;12\n2024-02-19 09:28:10.703;8;11\nbad;1;1\n2024-02-19 09:29:10.000;-3;1\n",
    )
    .unwrap();
    let (ok, out, err) = animov(dir.path(), &["import", "csv", csv.to_str().unwrap()], None);
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("source cam-2: 2 imported, 0 already there, 2 rejected"),
        "{out}"
    );
    assert!(out.contains("line 4: cannot read the date"), "{out}");
    assert!(out.contains("line 5: negative count"), "{out}");
    assert!(out.contains("1 minute rows computed"), "{out}");
    let (ok, out, _) = animov(dir.path(), &["import", "csv", csv.to_str().unwrap()], None);
    assert!(ok && out.contains("0 imported, 2 already there"), "{out}");

    let broken = dir.path().join("notes.csv");
    std::fs::write(&broken, "a,b\n1,2\n").unwrap();
    let (ok, _, err) = animov(
        dir.path(),
        &[
            "import",
            "csv",
            broken.to_str().unwrap(),
            "--source",
            "cam-9",
        ],
        None,
    );
    assert!(!ok);
    assert!(err.contains("no date column"), "{err}");
    let (ok, _, err) = animov(
        dir.path(),
        &[
            "import",
            "csv",
            dir.path().join("missing-1.csv").to_str().unwrap(),
        ],
        None,
    );
    assert!(!ok && err.contains("No such file"), "{err}");
}

#[test]
fn serve_demo_answers_and_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("animov.toml"),
        "[demo]\ncameras = 2\nbackfill_days = 1\ninterval_ms = 200\n",
    )
    .unwrap();
    let mut child = Command::new(BIN)
        .arg("--data-dir")
        .arg(dir.path())
        .args(["serve", "--demo", "--listen", "127.0.0.1:0"])
        .env("ANIMOV_SECRETS", "file")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let addr = first
        .split("http://")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let creds = lines.next().unwrap().unwrap();
    let password = creds
        .split(" / ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();

    assert_eq!(
        http(&addr, "GET", "/health", None, None),
        (200, "{\"status\":\"ok\"}".into())
    );
    let (s, body) = http(
        &addr,
        "POST",
        "/api/v1/auth/login",
        None,
        Some(&format!(
            "{{\"username\":\"admin\",\"password\":\"{password}\"}}"
        )),
    );
    assert_eq!(s, 200, "{body}");
    let token = body
        .split("\"token\":\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let (s, body) = http(&addr, "GET", "/api/v1/cameras", Some(&token), None);
    assert_eq!(s, 200);
    assert!(
        body.contains("demo-1") && body.contains("demo-2") && body.contains("\"state\":\"live\""),
        "{body}"
    );
    let (s, body) = http(
        &addr,
        "GET",
        "/api/v1/series?source=demo-1&bucket=1h",
        Some(&token),
        None,
    );
    assert_eq!(s, 200);
    assert!(
        body.matches("\"ts\"").count() >= 23,
        "a day of history: {body}"
    );

    // Live frames keep arriving.
    let started = Instant::now();
    let count = |b: &str| {
        b.split("\"last_frame_ts\":")
            .nth(1)
            .and_then(|x| x.split('}').next())
            .map(str::to_string)
    };
    let before = count(&http(&addr, "GET", "/api/v1/cameras", Some(&token), None).1);
    loop {
        std::thread::sleep(Duration::from_millis(300));
        let now = count(&http(&addr, "GET", "/api/v1/cameras", Some(&token), None).1);
        if now != before {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "no live frame");
    }

    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = child.wait().unwrap();
    assert!(status.success(), "clean exit on SIGTERM: {status:?}");
    // The data is still there after the stop.
    let (ok, out, err) = animov(dir.path(), &["migrate"], None);
    assert!(ok, "{out}{err}");
    let (ok, out, err) = animov(dir.path(), &["demo", "--days", "1", "--cameras", "2"], None);
    assert!(ok, "{out}{err}");
    assert!(out.contains("for 2 cameras"), "{out}");
}

#[test]
fn a_busy_port_gets_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port().to_string();
    let (ok, _, err) = animov(
        dir.path(),
        &["serve", "--listen", &format!("127.0.0.1:{port}")],
        None,
    );
    assert!(!ok);
    assert!(err.contains("port is in use"), "{err}");
    let (ok, _, err) = animov(dir.path(), &["serve", "--listen", "0.0.0.0:0"], None);
    assert!(!ok && err.contains("allow_lan"), "{err}");
}

#[test]
fn mysql_with_password_from_the_secret_store() {
    let Ok(admin) = std::env::var("ANIMOV_TEST_MYSQL_URL") else {
        assert_eq!(
            std::env::var("ANIMOV_TEST_SKIP_MYSQL").as_deref(),
            Ok("1"),
            "ANIMOV_TEST_MYSQL_URL is not set: run the README's test command"
        );
        return;
    };
    // admin = mysql://user:pass@host:port/ ; the engine gets the URL without the password.
    let rest = admin.trim_start_matches("mysql://");
    let (cred, host) = rest.split_once('@').unwrap();
    let (user, pass) = cred.split_once(':').unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = format!("animov_cli_{}", std::process::id());
    let url = format!("mysql://{user}@{}/{db}", host.trim_end_matches('/'));
    std::fs::write(
        dir.path().join("animov.toml"),
        format!("[database]\nkind = \"mysql\"\nurl = \"{url}\"\n"),
    )
    .unwrap();

    let (ok, _, err) = animov(dir.path(), &["migrate"], None);
    assert!(!ok, "no password yet");
    assert!(
        err.contains("cannot open the database") && !err.contains(pass),
        "{err}"
    );

    let (ok, out, err) = animov(
        dir.path(),
        &["secret", "set", "mysql-password"],
        Some(&format!("{pass}\n")),
    );
    assert!(ok, "{out}{err}");
    // The database itself must exist (an admin creates it once).
    let create = Command::new("mariadb")
        .args([
            "-h",
            host.split(':').next().unwrap(),
            "-P",
            host.split(':').nth(1).unwrap().trim_end_matches('/'),
            "-u",
            user,
            &format!("-p{pass}"),
            "-e",
            &format!("CREATE DATABASE IF NOT EXISTS {db}"),
        ])
        .status();
    if !create.map(|s| s.success()).unwrap_or(false) {
        panic!("cannot create the test database with the mariadb client");
    }
    let (ok, out, err) = animov(dir.path(), &["migrate"], None);
    assert!(ok, "{out}{err}");
    assert!(out.contains("database schema is up to date"));
    let (ok, out, err) = add_user(dir.path(), "m", "vet", "password-123\n");
    assert!(ok, "{out}{err}");
}

#[cfg(unix)]
#[test]
fn the_data_folder_and_its_files_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("data");
    // An install from before this check: world-readable folder and files.
    std::fs::create_dir_all(d.join("logs")).unwrap();
    std::fs::write(d.join("logs/old.log"), "x").unwrap();
    for (p, m) in [("", 0o755), ("logs", 0o755), ("logs/old.log", 0o644)] {
        std::fs::set_permissions(d.join(p), std::fs::Permissions::from_mode(m)).unwrap();
    }
    let (ok, out, err) = add_user(&d, "alice", "admin", "s3cret-pass\n");
    assert!(ok, "{out}{err}");
    assert!(err.contains("made owner-only"), "{err}");
    assert_eq!(mode(&d), 0o700);
    assert_eq!(mode(&d.join("logs")), 0o700);
    for entry in std::fs::read_dir(&d)
        .unwrap()
        .chain(std::fs::read_dir(d.join("logs")).unwrap())
    {
        let p = entry.unwrap().path();
        let want = if p.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(mode(&p), want, "{}", p.display());
    }
    // The database (password hashes) was created owner-only.
    assert!(d.join("animov.sqlite").exists());
}
