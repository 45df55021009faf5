# Shared by run.sh and test.sh: where cargo builds (outside the clone, so fresh
# clones on this machine reuse the build) and the PATH to cargo.
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/cache/animov-target}
mkdir -p "$CARGO_TARGET_DIR" 2>/dev/null || export CARGO_TARGET_DIR="$PWD/target"
