//! Sync survives `kill -9`: a central (`animov serve` on MariaDB) killed and
//! restarted 10 times while a site catches up, then the site's `animov sync
//! now` killed 10 times in the middle of its batches. After each: the
//! central holds exactly the site's rows and the site's data is unchanged.

use std::{
    collections::BTreeSet,
    net::TcpStream,
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use animov_store::{Store, StoreConfig, testing};
use rand::Rng;

fn animov(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_animov"));
    c.arg("--data-dir")
        .arg(dir)
        .env("ANIMOV_SECRETS", "file")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_central(dir: &Path, port: u16) -> Child {
    let child = animov(dir)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .spawn()
        .unwrap();
    let until = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < until, "the central did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

fn sync_now(dir: &Path) -> bool {
    animov(dir)
        .args(["sync", "now"])
        .status()
        .unwrap()
        .success()
}

/// `sync now` until one succeeds (a pass right after a kill may meet the
/// central still recovering); panics with the last error after 10 tries.
fn sync_until_done(dir: &Path) {
    let mut last = String::new();
    for _ in 0..10 {
        let out = animov(dir)
            .args(["sync", "now"])
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        if out.status.success() {
            return;
        }
        last = String::from_utf8_lossy(&out.stderr).into_owned();
        std::thread::sleep(Duration::from_millis(500));
    }
    panic!("sync now kept failing: {last}");
}

async fn same(central: &Store, site: &Store) {
    // The central's own model registry (its bundled forecast model) is not site data.
    let own = format!("forecast_models [\"{}\"", central.site_id());
    let c: Vec<String> = central
        .sync_dump(central.site_id(), false)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| !r.starts_with(&own))
        .collect();
    let s = site.sync_dump(site.site_id(), false).await.unwrap();
    let (cs, ss): (BTreeSet<&String>, BTreeSet<&String>) = (c.iter().collect(), s.iter().collect());
    let missing: Vec<_> = ss.difference(&cs).collect();
    let extra: Vec<_> = cs.difference(&ss).collect();
    if let (Some(m), Some(e)) = (missing.first(), extra.first()) {
        eprintln!("missing e.g. {m}\nextra e.g. {e}");
    }
    let (missing, extra) = (missing.len(), extra.len());
    assert_eq!(
        (missing, extra, c.len()),
        (0, 0, s.len()),
        "central vs site rows"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_of_the_central_or_the_site_loses_and_doubles_nothing() {
    let Some(db) = testing::mysql().await else {
        return;
    };
    let StoreConfig::MySql { url, .. } = &db.config else {
        unreachable!()
    };
    let cdir = tempfile::tempdir().unwrap();
    std::fs::write(
        cdir.path().join("animov.toml"),
        format!("[database]\nkind = \"mysql\"\nurl = \"{url}\"\n[sync]\nrole = \"central\"\n"),
    )
    .unwrap();
    let port = free_port();
    let mut central = start_central(cdir.path(), port);
    let now = animov_store::now_ms();
    for code in ["KILL-TEST-CODE-0001"] {
        db.store
            .create_enrolment(
                &animov_auth::hash_api_key(code),
                "test",
                now,
                now + 3_600_000,
            )
            .await
            .unwrap();
    }

    let sdir = tempfile::tempdir().unwrap();
    std::fs::write(sdir.path().join("animov.toml"), "[sync]\nbatch_rows = 40\n").unwrap();
    assert!(
        animov(sdir.path())
            .args(["demo", "--days", "7", "--cameras", "3"])
            .status()
            .unwrap()
            .success()
    );
    let url = format!("http://127.0.0.1:{port}");
    assert!(
        animov(sdir.path())
            .args([
                "sync",
                "join",
                &url,
                "KILL-TEST-CODE-0001",
                "--name",
                "Barn"
            ])
            .status()
            .unwrap()
            .success()
    );
    let site = Store::open(&StoreConfig::sqlite(sdir.path().join("animov.sqlite")))
        .await
        .unwrap();
    let before = site.sync_dump(site.site_id(), false).await.unwrap();
    assert!(before.len() > 10_000, "{} rows", before.len());

    // 1. The central killed (SIGKILL) and restarted 10 times during catch-up.
    let site_dir = sdir.path().to_path_buf();
    let pusher = std::thread::spawn(move || {
        let mut ok = 0;
        let until = Instant::now() + Duration::from_secs(120);
        while Instant::now() < until && ok < 1 {
            ok += usize::from(sync_now(&site_dir));
        }
    });
    let mut during = 0;
    for _ in 0..10 {
        let wait = rand::thread_rng().gen_range(50..300);
        std::thread::sleep(Duration::from_millis(wait));
        during += usize::from(!pusher.is_finished());
        central.kill().unwrap();
        central.wait().unwrap();
        central = start_central(cdir.path(), port);
    }
    pusher.join().unwrap();
    assert!(during >= 8, "only {during} kills fell during the catch-up");
    sync_until_done(sdir.path());
    same(&db.store, &site).await;
    assert_eq!(
        site.sync_dump(site.site_id(), false).await.unwrap(),
        before,
        "site data changed"
    );

    // 2. More data, and the site's `sync now` killed 10 times mid-batch.
    assert!(
        animov(sdir.path())
            .args(["demo", "--days", "7", "--cameras", "5", "--seed", "9"])
            .status()
            .unwrap()
            .success()
    );
    let before = site.sync_dump(site.site_id(), false).await.unwrap();
    let mut killed = 0;
    for _ in 0..10 {
        let mut p = animov(sdir.path()).args(["sync", "now"]).spawn().unwrap();
        let wait = rand::thread_rng().gen_range(50..250);
        std::thread::sleep(Duration::from_millis(wait));
        if p.try_wait().unwrap().is_none() {
            killed += 1;
        }
        p.kill().ok();
        p.wait().unwrap();
    }
    assert!(
        killed >= 8,
        "only {killed} passes were still running when killed"
    );
    sync_until_done(sdir.path());
    same(&db.store, &site).await;
    assert_eq!(
        site.sync_dump(site.site_id(), false).await.unwrap(),
        before,
        "site data changed"
    );
    central.kill().ok();
    central.wait().ok();
}
