# Kickoff's build. `make run` and `make test` are the two commands the README
# promises work on a fresh machine with Go and Node.

GO       ?= go
BIN      := bin/kickoff
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X main.version=$(VERSION)
FUZZTIME ?= 2m
# Tests run on SQLite, and on PostgreSQL too when this is set, e.g.
# postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
KICKOFF_TEST_POSTGRES_URL ?=
export KICKOFF_TEST_POSTGRES_URL
export CGO_ENABLED = 0

.PHONY: run build web test test-go test-web test-e2e generate lint fuzz bench migration migration-hash clean

run: build ## build everything and serve on :8080 with embedded SQLite
	./$(BIN) serve

build: web ## build the web app and the kickoff binary
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/kickoff

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund

web: node_modules/.package-lock.json
	npm run build

test: test-go test-web test-e2e ## all Go tests (SQLite, plus PostgreSQL when KICKOFF_TEST_POSTGRES_URL is set), the web app's unit tests and its end-to-end test

test-go:
	@echo "Go tests on: sqlite$(if $(KICKOFF_TEST_POSTGRES_URL), and postgres,) (set KICKOFF_TEST_POSTGRES_URL for PostgreSQL)"
	$(GO) tool gotestsum --format testname -- -count=1 ./...

test-web: node_modules/.package-lock.json
	npm test

# Drives /usr/bin/chromium (or $$CHROMIUM) through playwright-core against a
# real `kickoff serve`; needs the binary with the web app built in.
test-e2e: build
	npm run test:e2e

generate: node_modules/.package-lock.json ## regenerate ent, gqlgen and the web app's GraphQL types
	$(GO) generate ./
	npm run codegen

lint:
	$(GO) vet ./...
	@# ent's generated packages are excluded: their findings are upstream's.
	$(GO) tool staticcheck $$($(GO) list ./... | grep -v '/ent/' | grep -v '/ent$$') ./ent/schema
	@test -z "$$(gofmt -l $$(git ls-files -co --exclude-standard '*.go'))" || { gofmt -l $$(git ls-files -co --exclude-standard '*.go'); echo "gofmt: files above need formatting"; exit 1; }

fuzz: ## run every fuzz test for FUZZTIME each (not part of CI)
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

# `make bench` reports SPEC §10's targets (docs/benchmarks.md). It creates and
# drops a scratch database on this PostgreSQL server; set it empty to skip
# the PostgreSQL part: make bench KICKOFF_BENCH_POSTGRES_URL=
KICKOFF_BENCH_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
BENCHFLAGS ?=

bench: ## measure SPEC §10's targets against baselines in one run (a report, not a test)
	KICKOFF_BENCH_POSTGRES_URL='$(KICKOFF_BENCH_POSTGRES_URL)' GO='$(GO)' $(GO) run ./tools/bench $(BENCHFLAGS)

migration: ## write the next migration for both dialects: make migration name=add_x
	@test -n "$(name)" || { echo "usage: make migration name=add_something"; exit 2; }
	$(GO) run ./tools/migrationgen -name $(name)

migration-hash: ## after writing a data migration by hand: record it in each dialect's atlas.sum
	$(GO) run ./tools/migrationgen -rehash

clean:
	rm -rf bin frontend/dist/assets frontend/dist/index.html
