#!/usr/bin/env bash
# Usage: scripts/soak.sh [SECONDS] [--quick] [lz-soak options...]
#
# The memory bound, measured: builds the release bootstrap and the lz-soak
# driver, then serves the bootstrap events of mixed sizes (100 B to 6 MiB)
# for SECONDS (default 60) after warm-up, and prints its RSS once warm and
# at the end, and its peak. Fails if RSS grew past the slack (256 KiB) after
# warm-up, if an event went unanswered, or if the bootstrap died.
#
#   --quick   5 s, for CI (scripts/test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=60
args=()
for arg in "$@"; do
    case "$arg" in
        --quick) seconds=5 ;;
        ''|*[!0-9]*) args+=("$arg") ;;
        *) seconds="$arg" ;;
    esac
done

cargo build --release --quiet --bin bootstrap
cargo build --release --quiet -p lambda-zero-emulator --bin lz-soak
exec target/release/lz-soak --bootstrap target/release/bootstrap --seconds "$seconds" "${args[@]+"${args[@]}"}"
