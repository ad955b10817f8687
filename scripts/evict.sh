#!/usr/bin/env bash
# Usage: scripts/evict.sh FILE...
#
# Drops FILEs from the page cache (posix_fadvise(POSIX_FADV_DONTNEED), through
# GNU dd's iflag=nocache), so the next exec reads them from disk: a cold start
# closer to Lambda's, which loads function code lazily. Pages still mapped by a
# running process stay; dirty pages stay until written back (`sync FILE` first).
# Used as hyperfine's --prepare by scripts/coldstart.sh.
set -euo pipefail
for f in "$@"; do
  dd if="$f" iflag=nocache count=0 status=none
done
