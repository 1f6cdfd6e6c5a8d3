#!/usr/bin/env bash
# The release bundle against its budget: prints every served file of target/site/pkg (raw,
# gzip, brotli, as precompressed at build time) and fails when what a console screen loads is
# over the budget, or a file has no precompressed copy. Run after
# `cargo leptos build --release --precompress` (`.ci/test-all.sh` does).
#
# The budget is a ratchet, not the goal: the issue's target is 250 KB brotli per screen, which
# the one-bundle console does not meet yet (docs/PERFORMANCE.md); the ratchet stops it growing
# while that is worked on. Lower it whenever the bundle shrinks; never raise it without saying
# why in docs/PERFORMANCE.md.
set -euo pipefail
cd "$(dirname "$0")/.."
budget_kb=${USHER_BUNDLE_BUDGET_KB:-470}
target_kb=250
pkg=target/site/pkg
shopt -s nullglob
# The files this build named (cargo-leptos writes their hashes beside the server), so a file
# left from an earlier build is not counted; every file when there is no such list.
hashes=target/release/hash.txt
if [ -f "$hashes" ]; then
  files=()
  for kind in wasm js css; do
    hash=$(awk -v k="$kind:" '$1 == k { print $2 }' "$hashes")
    files+=("$pkg/usher.$hash.$kind")
  done
else
  files=("$pkg"/*.wasm "$pkg"/*.js "$pkg"/*.css)
fi
if [ ${#files[@]} -eq 0 ]; then
  echo "no bundle in $pkg: build the release first" >&2
  exit 1
fi
total=0
missing=0
echo "release bundle, per file (as served; brotli and gzip made at build time):"
for f in "${files[@]}"; do
  if [ ! -f "$f" ]; then
    echo "  $f: named by the build but missing" >&2
    missing=1
    continue
  fi
  if [ ! -f "$f.br" ] || [ ! -f "$f.gz" ]; then
    echo "  $(basename "$f"): no precompressed copy (.br and .gz)" >&2
    missing=1
    continue
  fi
  raw=$(stat -c %s "$f")
  br=$(stat -c %s "$f.br")
  gz=$(stat -c %s "$f.gz")
  total=$((total + br))
  awk -v n="$(basename "$f")" -v r="$raw" -v g="$gz" -v b="$br" \
    'BEGIN { printf "  %-44s raw %8.1f KB  gzip %7.1f KB  brotli %7.1f KB\n", n, r/1024, g/1024, b/1024 }'
done
# Every console screen loads the whole bundle today, so a screen's share is the total.
awk -v t="$total" -v b="$budget_kb" -v g="$target_kb" 'BEGIN {
  printf "  a console screen loads (wasm + js + css)  brotli %.1f KB  (budget %d KB; target %d KB: %s)\n",
    t/1024, b, g, (t <= g*1024 ? "met" : "not met yet")
}'
if [ "$missing" -ne 0 ]; then
  exit 1
fi
if [ "$total" -gt $((budget_kb * 1024)) ]; then
  echo "over budget: the bundle grew past ${budget_kb} KB brotli" >&2
  exit 1
fi
