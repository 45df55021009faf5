//! Stamps the git commit, whether the tree had changes, and the build date.
//!
//! The commit comes from `ANIMOV_COMMIT` when the build sets it (CI, a
//! source tarball), else from `git` in the source tree; "unknown" when
//! neither can tell. The date is `SOURCE_DATE_EPOCH` when set
//! (reproducible builds), else now. The script runs again when the
//! checkout moves or a source file changes, so `dirty` stays true to the tree.

use std::{path::Path, process::Command};

#[path = "src/date.rs"]
mod date;

fn git(root: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn is_commit(s: &str) -> bool {
    (7..=64).contains(&s.len()) && s.chars().all(|c| c.is_ascii_hexdigit())
}

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest).join("../..");
    println!("cargo:rerun-if-env-changed=ANIMOV_COMMIT");
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");

    let from_env = std::env::var("ANIMOV_COMMIT")
        .ok()
        .map(|c| c.trim().to_ascii_lowercase())
        .filter(|c| is_commit(c));
    let from_git = git(&root, &["rev-parse", "HEAD"]).filter(|c| is_commit(c));
    let commit = from_env
        .clone()
        .or_else(|| from_git.clone())
        .unwrap_or_else(|| "unknown".into());
    // Dirty: tracked files differ from the commit (only meaningful when
    // the tree is the commit's; a tarball with ANIMOV_COMMIT has no git).
    let dirty = from_git.as_deref().is_some_and(|g| g == commit)
        && git(&root, &["status", "--porcelain", "--untracked-files=no"])
            .is_some_and(|s| !s.is_empty());

    if let Some(git_dir) = git(&root, &["rev-parse", "--absolute-git-dir"]) {
        let git_dir = Path::new(&git_dir);
        for p in ["HEAD", "index", "packed-refs", "refs/heads"] {
            println!("cargo:rerun-if-changed={}", git_dir.join(p).display());
        }
        // A changed source file makes the tree dirty: watch the sources.
        for p in [
            "Cargo.toml",
            "Cargo.lock",
            "crates",
            "ui/src",
            "ui/Cargo.toml",
            "src-tauri/src",
            "migrations",
            "models",
            "scripts",
        ] {
            let path = root.join(p);
            if path.exists() {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
    }

    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0)
        });
    println!("cargo:rustc-env=ANIMOV_BUILD_COMMIT={commit}");
    println!("cargo:rustc-env=ANIMOV_BUILD_DIRTY={dirty}");
    println!("cargo:rustc-env=ANIMOV_BUILD_DATE={}", date::rfc3339(secs));
}
