#!/usr/bin/env bash
# The changes since the last version tag, as Markdown (a release's notes).
#   bash scripts/changelog.sh [TAG]   (TAG: the release's tag, default HEAD)
# Lists the commits after the previous `v*` tag (all of them for the first
# release), newest first, without merge commits.
set -euo pipefail
cd "$(dirname "$0")/.."
to=${1:-HEAD}
from=$(git describe --tags --abbrev=0 --match 'v*' "$to^" 2>/dev/null || true)
range=${from:+$from..}$to
echo "## Changes${from:+ since $from}"
echo
git log --no-merges --format='- %s (%h)' "$range"
