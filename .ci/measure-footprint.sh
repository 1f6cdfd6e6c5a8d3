#!/usr/bin/env bash
# Release bundle sizes (raw, gzip, brotli) and the release server's resident memory when idle.
# Used by `make bench`; the figures go to docs/PERFORMANCE.md.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo leptos build --release --precompress >/dev/null 2>&1 || cargo leptos build --release --precompress

# What is served, file by file, against the budget (the check CI runs).
bash .ci/check-footprint.sh || true

port="$(node -e "const s=require('net').createServer(); s.listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })")"
db="$(mktemp -d)/usher.db"
DATABASE_URL="sqlite://$db" LEPTOS_SITE_ADDR="127.0.0.1:$port" RUST_LOG=warn \
  ./target/release/server serve --demo >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$(dirname "$db")"' EXIT
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
# The optimised bundle must still start in a browser (an old wasm-opt once broke it silently).
node -e '
  const { chromium } = require("./end2end/node_modules/playwright-core");
  (async () => {
    const browser = await chromium.launch({ executablePath: "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(process.argv[1] + "/accept-invitation");
    try {
      await page.waitForSelector("body[data-hydrated]", { state: "attached", timeout: 15000 });
      console.log("  release bundle hydrates in Chromium: yes");
    } catch {
      console.log("  release bundle hydrates in Chromium: NO " + errors.join("; "));
      process.exitCode = 1;
    }
    await browser.close();
  })();
' "http://127.0.0.1:$port"
sleep 3
rss() { awk '/VmRSS/ {printf "%.1f MB", $2/1024}' "/proc/$pid/status"; }
css=$(ls target/site/pkg/usher.*.css.br)
page=$(curl -fs -H 'Accept-Encoding: br' "http://127.0.0.1:$port/sign-in" | wc -c)
awk -v p="$page" -v c="$(stat -c %s "$css")" \
  'BEGIN { printf "  sign-in page (HTML + css, brotli; no script)  %.1f KB  (target 150 KB)\n", (p+c)/1024 }'
echo "server (release, SQLite, demo data):"
echo "  RSS idle after start      $(rss)"
for _ in $(seq 1 200); do curl -fs "http://127.0.0.1:$port/sign-in" >/dev/null; done
sleep 2
echo "  RSS idle after 200 pages  $(rss)"
# Signing in hashes (19 MiB per hashing thread); the hashers give it back once idle.
for _ in $(seq 1 20); do
  curl -fs -o /dev/null -H "Origin: http://127.0.0.1:$port" \
    --data-urlencode "email=operator@usher.test" --data-urlencode "password=usher demo password" \
    "http://127.0.0.1:$port/sign-in" || true
done
echo "  RSS right after 20 sign-ins         $(rss)"
sleep 15
echo "  RSS 15 s after them (hashers idle)  $(rss)"
