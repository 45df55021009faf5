//! glibc's allocator, tuned for an engine that runs for months.
//!
//! By default glibc gives every thread that allocates an arena of its own
//! (up to 8 per core) and, once a large block has been freed, raises the
//! size above which blocks are mapped on their own. The engine's working
//! set is flat (105 MB of heap with one camera, heaptrack over 150 s), but
//! GStreamer's buffers of tens to hundreds of KiB, made on one thread and
//! freed on another, fragment the arenas, which never shrink: with 4 file
//! cameras RSS was 614 MB after 3 minutes with the defaults, and grew by
//! 7 MB a minute with 2 arenas and blocks of 1 MiB or more mapped. With
//! blocks of 64 KiB or more mapped on their own (returned to the system when
//! freed) it holds flat (`bench/soak.sh`, release build; figures in the
//! README). The tunables are read when a program starts, so the
//! long-running commands start themselves again once with them set.

/// What is set: two arenas; blocks of 64 KiB or more mapped on their own.
pub const TUNABLES: &str = "glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=65536";

/// Set in the environment of the program started again, so it is done once.
const DONE: &str = "ANIMOV_ALLOCATOR_TUNED";

/// The `GLIBC_TUNABLES` value to start with, keeping the caller's own.
fn tunables(existing: Option<&str>) -> String {
    match existing {
        Some(t) if !t.is_empty() => format!("{t}:{TUNABLES}"),
        _ => TUNABLES.to_string(),
    }
}

/// Replaces this process with the same program and arguments, the
/// allocator tuned (Linux with glibc; once). Returns when that is not
/// needed or not possible (then the defaults stay: nothing else changes).
pub fn restart_with_tuned_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::unix::process::CommandExt;
        if std::env::var_os(DONE).is_some() {
            return;
        }
        let Ok(exe) = std::env::current_exe() else {
            return;
        };
        let existing = std::env::var("GLIBC_TUNABLES").ok();
        let err = std::process::Command::new(exe)
            .args(std::env::args_os().skip(1))
            .env("GLIBC_TUNABLES", tunables(existing.as_deref()))
            .env(DONE, "1")
            .exec();
        eprintln!("note: the memory allocator keeps its defaults ({err})");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_callers_tunables_are_kept() {
        assert_eq!(tunables(None), TUNABLES);
        assert_eq!(tunables(Some("")), TUNABLES);
        assert_eq!(
            tunables(Some("glibc.malloc.check=3")),
            format!("glibc.malloc.check=3:{TUNABLES}")
        );
    }
}
