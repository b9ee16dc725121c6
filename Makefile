# Coop-connect — two commands: `make run` serves the demo on
# http://localhost:8080 (SQLite), `make test` runs the whole suite.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
GO ?= go
BIN := bin/coopconnect
# Packages whose correctness depends on concurrency: run under the race detector.
RACE_PKGS := ./internal/db/... ./internal/jobs/... ./internal/accounts/... ./internal/places/... ./internal/booking/... ./internal/survey/...

.PHONY: run build assets deps test check test-race test-all postgres browser clean

run: build
	./$(BIN) serve --demo

build: assets
	$(GO) build -o $(BIN) ./cmd/coopconnect

# Go modules and the front-end packages (npm, pinned by web/package-lock.json).
deps:
	$(GO) mod download
assets: deps
	@if ! command -v npm >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; \
	  else echo "npm is missing: sudo apt-get install -y nodejs npm" >&2; exit 1; fi; fi
	scripts/build-assets.sh

# The whole suite, in order: static checks, then every test — unit, store
# tests on SQLite and PostgreSQL, HTTP tests against the real server, and
# browser journeys in headless Chromium with axe-core.
test: assets check postgres browser test-race test-all

check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './web/*')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

# A throw-away PostgreSQL server for the store tests (installed from Debian
# when missing and running as root). COOPCONNECT_TEST_POSTGRES, when set,
# points to your own server instead.
postgres:
	@if [ -z "$${COOPCONNECT_TEST_POSTGRES:-}" ]; then scripts/test-postgres.sh >/dev/null || { [ "$${CI:-}" != true ] && echo "PostgreSQL unavailable: its store tests will be skipped" >&2; }; fi

# Debian's Chromium for the browser journeys.
browser:
	@if [ ! -x /usr/bin/chromium ] && [ -z "$${COOPCONNECT_CHROMIUM:-}" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium is missing: sudo apt-get install -y chromium (browser journeys will be skipped)" >&2; fi; fi

PG_URL = $${COOPCONNECT_TEST_POSTGRES:-$$(scripts/test-postgres.sh 2>/dev/null || true)}

test-race:
	COOPCONNECT_TEST_POSTGRES="$(PG_URL)" $(GO) test -race -count=1 $(RACE_PKGS)

test-all:
	COOPCONNECT_TEST_POSTGRES="$(PG_URL)" $(GO) test -count=1 $$($(GO) list ./... | grep -v -e /internal/db -e /internal/jobs -e /internal/accounts -e /internal/places -e /internal/booking -e /internal/survey)

clean:
	rm -rf bin internal/web/static/vendor web/node_modules
