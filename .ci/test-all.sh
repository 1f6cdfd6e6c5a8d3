#!/usr/bin/env bash
# Every test layer in order: Rust unit and database tests (SQLite, and PostgreSQL when it
# answers), the release build of the whole app (what `make run` serves and a deployment ships),
# then the Playwright suite against it in Debian Chromium.
# Prints one summary line and exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
logs=target/test-logs
mkdir -p "$logs"
passed=0
failed=0
broken=()

layer() {
  local name=$1
  shift
  echo
  echo "==> $name"
  "$@" 2>&1 | tee "$logs/$name.log"
  local status=${PIPESTATUS[0]}
  if [ "$status" -ne 0 ]; then
    broken+=("$name")
  fi
  return "$status"
}

count_cargo() {
  local p f
  p=$(grep -hoE 'test result: [a-zA-Z]+\. [0-9]+ passed; [0-9]+ failed' "$logs/$1.log" | awk '{s+=$4} END {print s+0}')
  f=$(grep -hoE 'test result: [a-zA-Z]+\. [0-9]+ passed; [0-9]+ failed' "$logs/$1.log" | awk '{s+=$6} END {print s+0}')
  passed=$((passed + p))
  failed=$((failed + f))
}

layer rust-tests cargo test -p app -p server --features app/ssr
count_cargo rust-tests
if grep -q "PostgreSQL not reachable" "$logs/rust-tests.log"; then
  echo "note: PostgreSQL did not answer, so the database tests ran on SQLite only"
fi

if layer build cargo leptos build --release --precompress; then
  layer footprint bash .ci/check-footprint.sh
  layer end2end end2end/run-tests.sh
  p=$(grep -hoE '^ +[0-9]+ passed' "$logs/end2end.log" | awk '{s+=$1} END {print s+0}')
  f=$(grep -hoE '^ +[0-9]+ (failed|flaky|interrupted)' "$logs/end2end.log" | awk '{s+=$1} END {print s+0}')
  passed=$((passed + p))
  failed=$((failed + f))
fi

make --no-print-directory clean-test-dbs

echo
if [ ${#broken[@]} -gt 0 ]; then
  echo "failed layers: ${broken[*]} (logs in $logs/)"
  [ "$failed" -eq 0 ] && failed=1
fi
echo "summary: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ ${#broken[@]} -eq 0 ]
