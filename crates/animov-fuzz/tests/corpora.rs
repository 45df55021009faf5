//! The short fuzz runs of the test command: every target on its seeds and
//! kept corpus (`fuzz/seeds/<target>/`, `fuzz/corpus/<target>/`, grown by
//! the long cargo-fuzz runs), on the
//! inputs that once failed (`fuzz/regressions/<target>/`), and on
//! `ANIMOV_FUZZ_MUTATIONS` (default 2,000) mutations of them: bytes flipped,
//! inserted, removed, repeated, and pieces of two inputs joined.

use std::path::{Path, PathBuf};

use animov_fuzz::TARGETS;

/// The repository's `fuzz/` folder (found when the test runs).
fn fuzz_dir() -> PathBuf {
    Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo test")).join("../../fuzz")
}

fn inputs(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<(PathBuf, Vec<u8>)> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    out.sort();
    out
}

/// xorshift: the mutations are the same at every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One mutation of `a` (with `b` for splicing).
fn mutate(rng: &mut Rng, a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut v = a.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(v.len() + 1);
        match rng.below(7) {
            0 if !v.is_empty() => {
                let i = at.min(v.len() - 1);
                v[i] ^= 1 << rng.below(8);
            }
            1 => v.insert(at, rng.next() as u8),
            2 if !v.is_empty() => {
                let end = (at + 1 + rng.below(16)).min(v.len());
                v.drain(at.min(v.len() - 1)..end);
            }
            3 => {
                // A byte that matters to the formats read here.
                let b = *b",;:\"{}[]\n0-9e.@/%\\".get(rng.below(20)).unwrap_or(&b'0');
                v.insert(at, b);
            }
            4 if !v.is_empty() => {
                // A piece repeated: long lines, deep nesting, many frames.
                let start = at.min(v.len() - 1);
                let piece = v[start..(start + 1 + rng.below(32)).min(v.len())].to_vec();
                for _ in 0..1 + rng.below(64) {
                    v.splice(start..start, piece.iter().copied());
                }
            }
            5 if !b.is_empty() => {
                let from = rng.below(b.len());
                v.truncate(at);
                v.extend_from_slice(&b[from..]);
            }
            _ => {
                let i = rng.below(v.len() + 1);
                v.splice(i..i, (0..rng.below(8)).map(|_| rng.next() as u8));
            }
        }
    }
    v
}

#[test]
fn every_target_survives_its_corpus_its_regressions_and_mutations_of_them() {
    let mutations: usize = std::env::var("ANIMOV_FUZZ_MUTATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000);
    let dir = fuzz_dir();
    for (name, run) in TARGETS {
        let mut corpus = inputs(&dir.join("seeds").join(name));
        corpus.extend(inputs(&dir.join("corpus").join(name)));
        let regressions = inputs(&dir.join("regressions").join(name));
        assert!(
            corpus.len() >= 3,
            "{name}: fuzz/seeds/{name} and fuzz/corpus/{name} hold {} inputs (both are kept in the repository)",
            corpus.len()
        );
        for (path, bytes) in corpus.iter().chain(&regressions) {
            let r = std::panic::catch_unwind(|| run(bytes));
            assert!(r.is_ok(), "{name}: {} fails", path.display());
        }
        let all: Vec<&[u8]> = corpus
            .iter()
            .chain(&regressions)
            .map(|(_, b)| b.as_slice())
            .collect();
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ name.len() as u64);
        for k in 0..mutations {
            let a = all[rng.below(all.len())];
            let b = all[rng.below(all.len())];
            let input = mutate(&mut rng, a, b);
            let r = std::panic::catch_unwind(|| run(&input));
            if r.is_err() {
                let keep = std::env::temp_dir().join(format!("animov-fuzz-{name}-{k}"));
                std::fs::write(&keep, &input).unwrap();
                panic!(
                    "{name}: mutation {k} fails; the input is kept in {} (copy it to fuzz/regressions/{name}/ once fixed)",
                    keep.display()
                );
            }
        }
        eprintln!(
            "{name}: {} corpus inputs, {} regressions, {mutations} mutations: no failure",
            corpus.len(),
            regressions.len()
        );
    }
}
