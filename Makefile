# Usher — `make run` to try it, `make test` to prove it. Both install what is missing first.

SHELL := /bin/bash
WASM_BINDGEN_VERSION := 0.2.129
CARGO_LEPTOS_VERSION := 0.3.10
# Release builds need a wasm-opt that understands what wasm-bindgen emits today; Debian's
# (108) breaks the module at start. Binaryen's own npm build is current and needs only Node.
BINARYEN_VERSION := 132.0.0
LEPTOSFMT_VERSION := 0.1.33
AIOSMTPD_VERSION := 1.4.6
TOOLS_DIR := $(HOME)/.cache/usher-tools
CARGO_BIN := $(dir $(shell command -v cargo))
export PATH := $(TOOLS_DIR)/node_modules/.bin:$(PATH)
# Tool installs need no LTO; it halves their build time on small machines.
INSTALL_ENV := CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16

.PHONY: run test tools browser-tools mail-tools build build-release lint fmt bench bench-browser screenshots clean-test-dbs

# The release build: a debug bundle is 13 MB of WebAssembly and slow to use.
run: tools
	cargo leptos build --release --precompress
	./target/release/server serve --demo

test: tools browser-tools mail-tools
	bash .ci/test-all.sh

## Everything the build needs, installed once per machine (quiet when already there).
tools:
	@command -v cargo >/dev/null || { echo "Rust is missing: install rustup first (see README)"; exit 1; }
	@rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown \
		|| rustup target add wasm32-unknown-unknown
	@wasm-bindgen --version 2>/dev/null | grep -q " $(WASM_BINDGEN_VERSION)" \
		|| $(INSTALL_ENV) cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION) --locked
	@cargo leptos --version 2>/dev/null | grep -q "$(CARGO_LEPTOS_VERSION)" \
		|| $(INSTALL_ENV) cargo install cargo-leptos --version $(CARGO_LEPTOS_VERSION) --locked
	@leptosfmt --version 2>/dev/null | grep -q "$(LEPTOSFMT_VERSION)" \
		|| $(INSTALL_ENV) cargo install leptosfmt --version $(LEPTOSFMT_VERSION) --locked
	@wasm-opt --version 2>/dev/null | grep -q "version $(firstword $(subst ., ,$(BINARYEN_VERSION)))" \
		|| npm install --no-audit --no-fund --loglevel=error --prefix $(TOOLS_DIR) binaryen@$(BINARYEN_VERSION)
	@# Beside cargo's own tools, so `cargo leptos build --release` finds it from any shell.
	@test "$$(readlink $(CARGO_BIN)/wasm-opt)" = "$(TOOLS_DIR)/node_modules/.bin/wasm-opt" \
		|| ln -sf $(TOOLS_DIR)/node_modules/.bin/wasm-opt $(CARGO_BIN)/wasm-opt

## What the browser tests need: Debian's Chromium and the pinned Playwright runner.
browser-tools:
	@test -x /usr/bin/chromium || $(MAKE) --no-print-directory apt PACKAGES=chromium
	@cd end2end && { test -d node_modules/@playwright/test && cmp -s package-lock.json node_modules/.package-lock.json 2>/dev/null \
		|| npm ci --no-audit --no-fund --loglevel=error; }

## The SMTP sink the mail tests deliver to (aiosmtpd from PyPI, in a private virtualenv).
mail-tools:
	@$(TOOLS_DIR)/venv/bin/python -c "import aiosmtpd" 2>/dev/null \
		|| { python3 -m venv $(TOOLS_DIR)/venv && $(TOOLS_DIR)/venv/bin/pip install -q aiosmtpd==$(AIOSMTPD_VERSION); }

apt:
	@SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(PACKAGES) >/dev/null

build: tools
	cargo leptos build

build-release: tools
	cargo leptos build --release --precompress

lint: tools
	cargo fmt --all --check
	leptosfmt --check app/src >/dev/null
	cargo clippy -p app -p server --features app/ssr --all-targets -- -D warnings
	cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

fmt:
	leptosfmt app/src >/dev/null
	cargo fmt --all

## The README's screenshots (docs/screenshots), light and dark, from the release build.
screenshots: build-release browser-tools
	end2end/run-tests.sh --config screenshots.config.ts

## The directory in Chromium, CPU slowed 4× and not: page load and in-app navigation to the
## first narrowed result (end2end/bench/), against the release build `make run` serves.
bench-browser: build-release browser-tools
	end2end/run-tests.sh --config bench.config.ts --reporter=line

bench: tools
	cargo bench -p server --bench sign_in
	cargo bench -p server --bench bulk_invite
	cargo bench -p server --bench directory
	cargo bench -p server --bench audit
	cargo bench -p server --bench live
	bash .ci/measure-footprint.sh

clean-test-dbs:
	@psql -h 127.0.0.1 -U postgres -d postgres -Atc \
		"SELECT 'DROP DATABASE \"' || datname || '\" WITH (FORCE);' FROM pg_database WHERE datname LIKE 'usher_test_%'" 2>/dev/null \
		| psql -h 127.0.0.1 -U postgres -d postgres -q >/dev/null 2>&1 || true
