#!/usr/bin/env bash
# mime_fuzz_short (ctest): runs the fuzzer for a few seconds on a copy of the seed corpus,
# with further seed directories read but never written; fails on any crash, failed check,
# leak, timeout (10 s per input) or memory blow-up (2 GB). A failing input is kept in
# ARTIFACT_DIR (crash-*, leak-*, timeout-*, oom-*); see docs/fuzzing.md to reproduce it.
# Usage: run_fuzz_short.sh FUZZER SEED_DIR ARTIFACT_DIR SECONDS [EXTRA_SEED_DIR...]
set -euo pipefail
fuzzer=$1 seeds=$2 artifacts=$3 seconds=$4
shift 4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$artifacts"
cp "$seeds"/* "$work/corpus/"
extra=()
for dir in "$@"; do [ -d "$dir" ] && extra+=("$dir"); done
# libFuzzer writes new inputs to the first corpus directory only.
exec "$fuzzer" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
  -dict="$(dirname "$0")/mime.dict" -artifact_prefix="$artifacts/" "$work/corpus" "${extra[@]}"
