//! Stamps the git commit into the binary when the build sets ANIMOV_COMMIT (CI does).
fn main() {
    println!("cargo:rerun-if-env-changed=ANIMOV_COMMIT");
    if let Ok(c) = std::env::var("ANIMOV_COMMIT") {
        let c = c.trim();
        if !c.is_empty() && c.chars().all(|ch| ch.is_ascii_hexdigit()) {
            println!("cargo:rustc-env=ANIMOV_BUILD_COMMIT={c}");
        }
    }
}
