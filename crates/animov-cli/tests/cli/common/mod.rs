//! Running the `animov` binary in tests.
#![allow(dead_code, missing_docs)]

/// Runs `animov <command...> --input FILE <args...>` with `csv` written to
/// FILE; returns (success, stdout, stderr).
pub fn cli_on_csv(command: &[&str], csv: &str, args: &[&str]) -> (bool, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("series.csv");
    std::fs::write(&path, csv).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_animov"))
        .args(command)
        .args(["--input", path.to_str().unwrap()])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}
