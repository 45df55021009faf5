# Shared by run.sh and test.sh: where cargo builds (outside the clone, so fresh
# clones on this machine reuse the build) and the PATH to cargo.
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/cache/animov-target}
mkdir -p "$CARGO_TARGET_DIR" 2>/dev/null || export CARGO_TARGET_DIR="$PWD/target"
# Programs built here find this checkout's models: the build is shared by
# every clone of this machine, and a program reused from another clone's
# build would look in that clone's folder (which may be gone).
export ANIMOV_MODELS_DIR=${ANIMOV_MODELS_DIR:-$PWD/models}
