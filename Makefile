# Agents for Mattermost, in Rust.
#   make dist   build the uploadable bundle dist/mattermost-ai-<version>.tar.gz
#   make deploy build it, upload it to MM_SERVICESETTINGS_SITEURL and enable it (README: Develop)
#   make test   run every test: Rust (unit, simulator), webapp, Go conformance host
#   make bench  print transport figures next to a Go net/rpc plugin's, and search at scale
#   make demo   try the plugin in a browser, without a Mattermost server (Ctrl-C stops it)
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

PLUGIN_ID := $(shell python3 -c 'import json;print(json.load(open("plugin.json"))["id"])')
VERSION   := $(shell python3 -c 'import json;print(json.load(open("plugin.json"))["version"])')
BUNDLE    := dist/$(PLUGIN_ID)-$(VERSION).tar.gz
# Rust target triple → the server's GOOS-GOARCH key. Drop arm64 with TARGETS=x86_64-unknown-linux-gnu.
TARGETS   ?= x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu
goarch     = $(if $(findstring aarch64,$(1)),linux-arm64,linux-amd64)
GO        := GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE=$(CURDIR)/target/gocache go
CARGO_TEST := $(shell cargo nextest --version >/dev/null 2>&1 && echo "cargo nextest run --workspace --locked --no-fail-fast" || echo "cargo test --workspace --locked --no-fail-fast")

.PHONY: all dist deploy enable disable test lint rust-test webapp webapp-test screenshots conformance bench demo clean

all: dist

webapp/node_modules/.package-lock.json: webapp/package-lock.json
	cd webapp && npm ci --no-audit --no-fund

webapp: webapp/node_modules/.package-lock.json
	cd webapp && npm run build

# The end-to-end test drives the real plugin under the simulator (target/debug/e2e-server).
webapp-test: webapp/node_modules/.package-lock.json
	cd webapp && npm run check && npm test && npm run build
	cargo build --workspace --locked --bins
	cd webapp && DATABASE_URL="$${DATABASE_URL:-$$(../scripts/pg-up.sh)}" npm run e2e

# The README's pictures of the panel and the System Console, light and dark, as the browser
# test takes them.
SHOTS := panel-light panel-dark console-light console-dark
screenshots: webapp-test
	mkdir -p docs/screenshots
	for s in $(SHOTS); do cp target/e2e/$$s.png docs/screenshots/; done

dist: webapp
	@for t in $(TARGETS); do cargo build --release --locked --bin mattermost-ai --target $$t; done
	python3 scripts/bundle.py build $(BUNDLE) \
	  $(foreach t,$(TARGETS),$(call goarch,$(t))=target/$(t)/release/mattermost-ai)

# Upload to a running server and enable, with the plugin starter's variables:
# MM_SERVICESETTINGS_SITEURL plus MM_ADMIN_TOKEN, or MM_ADMIN_USERNAME and MM_ADMIN_PASSWORD
# (or MM_LOCALSOCKETPATH for local mode). `dist` rebuilds only what changed.
PLUGINCTL := cargo run --locked -q -p pluginctl --
deploy: dist
	$(PLUGINCTL) deploy $(PLUGIN_ID) $(BUNDLE)

enable disable:
	$(PLUGINCTL) $@ $(PLUGIN_ID)

lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --locked -- -D warnings
	cargo clippy --locked --features bench --bin search-bench -- -D warnings

# Semantic search tests need PostgreSQL with pgvector: DATABASE_URL, or one started here.
rust-test:
	DATABASE_URL="$${DATABASE_URL:-$$(scripts/pg-up.sh)}" $(CARGO_TEST)

target/conformance-host target/refplugin: $(wildcard tests/conformance/*/*.go)
	$(GO) build -o target/conformance-host ./tests/conformance/host
	$(GO) build -o target/refplugin ./tests/conformance/refplugin

# The real peers: Debian's go-plugin with Go's own gob and net/rpc, and with grpc-go and Go
# stubs generated from our protos, each proven first against a Go reference plugin.
conformance: target/conformance-host target/refplugin
	cargo build --workspace --locked --bins
	target/conformance-host lifecycle target/refplugin
	target/conformance-host all target/debug/mattermost-ai target/debug/api-probe tests/conformance/fixtures.json
	tests/conformance-grpc/build.sh
	target/conformance-grpc-host lifecycle target/refplugin-grpc
	target/conformance-grpc-host lifecycle target/debug/mattermost-ai
	target/conformance-grpc-host lifecycle-mtls target/refplugin-grpc
	target/conformance-grpc-host lifecycle-mtls target/debug/mattermost-ai

test: lint rust-test webapp-test conformance

# Search at scale: posts reindexed through the plugin, chunks on the store, and the labelled
# quality set with a real embedding model. The 1M-chunk run: make bench SEARCH_CHUNKS=100000,1000000
SEARCH_POSTS  ?= 20000
SEARCH_CHUNKS ?= 100000
bench: target/refplugin
	cargo build --release --locked --workspace --bins
	cargo build --release --locked --features bench --bin search-bench
	target/release/transport-bench target/release/mattermost-ai target/refplugin
	target/release/sse-bench
	target/release/conversation-bench target/release/mattermost-ai --conversations 100
	target/release/conversation-bench target/release/mattermost-ai --conversations 100 --grpc
	DATABASE_URL="$${DATABASE_URL:-$$(scripts/pg-up.sh)}" target/release/search-bench target/release/mattermost-ai \
	  --posts $(SEARCH_POSTS) --chunks $(SEARCH_CHUNKS) --quality bench/search/quality --embed-python "$$(scripts/py-embed.sh)"

# The real plugin under the simulator with a small team, the webapp on a local page and a
# stand-in model (DEMO_OPENAI_URL, DEMO_OPENAI_KEY, DEMO_OPENAI_MODEL for a real one). Search runs
# when PostgreSQL with pgvector can be had: DATABASE_URL, or one started by scripts/pg-up.sh.
demo: webapp
	cargo build --locked --bin mattermost-ai
	cargo build --locked -p mattermost-simulator --bin demo
	@db="$${DATABASE_URL:-}"; \
	if [ -z "$$db" ]; then echo "Starting PostgreSQL for search (scripts/pg-up.sh)..." >&2; db="$$(scripts/pg-up.sh 2>/dev/null || true)"; fi; \
	DATABASE_URL="$$db" exec target/debug/demo target/debug/mattermost-ai webapp

clean:
	cargo clean
	rm -rf dist webapp/dist webapp/node_modules
