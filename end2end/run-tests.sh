#!/usr/bin/env bash
# Runs the Playwright suite against the release build (`make build-release`: the bundle a person
# gets, hashed and precompressed), on a free port with a database of its own. Extra arguments go
# to `playwright test`; E2E_SERVER names another server binary.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
port="$(node -e "const s=require('net').createServer(); s.listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })")"
mkdir -p "$root/target/e2e"
db="$root/target/e2e/usher-$port-$$.db"
rm -f "$db" "$db-wal" "$db-shm"
export E2E_PORT="$port"
export E2E_SERVER="${E2E_SERVER:-$root/target/release/server}"
export E2E_DATABASE_URL="sqlite://$db"
mail="$root/target/e2e/mail-$port-$$"
export E2E_MAIL_DIR="$mail"
cd "$here"
status=0
npx playwright test "$@" || status=$?
rm -f "$db" "$db-wal" "$db-shm"
rm -rf "$mail"
exit "$status"
