# The two commands a newcomer needs are `make run` and `make test`
# (or, without make: `go run ./cmd/carefinder serve` and `go test ./...`).

GO ?= go

# The PostgreSQL suites run against the local server when one answers on
# 127.0.0.1:5432 (user postgres, database test, as on the development
# machine), unless CAREFINDER_TEST_POSTGRES names another (or is set empty).
CAREFINDER_TEST_POSTGRES ?= $(shell pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null && echo 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable')
export CAREFINDER_TEST_POSTGRES

.PHONY: run test build bench vet

## run: the service on :8080 with SQLite and the demo directory, no setup
run:
	$(GO) run ./cmd/carefinder serve

## test: every test, then the packages with concurrency again under the race
## detector, then (with CAREFINDER_TEST_POSTGRES) the search and web suites on
## PostgreSQL. Fuzz targets run their seed corpora (testdata/fuzz) as tests.
## PostgreSQL store tests run when CAREFINDER_TEST_POSTGRES is set (by default,
## when a local server answers); tests on the
## real 2015 directory when ../shared exists or CAREFINDER_SHARED is set.
test:
	$(GO) vet ./...
	$(GO) test -count=1 ./...
	$(GO) test -count=1 -race -short ./search ./web ./directory ./cmd/carefinder
	@if [ -n "$$CAREFINDER_TEST_POSTGRES" ]; then \
		echo "CAREFINDER_TEST_STORE=postgres $(GO) test -count=1 -short ./search ./web"; \
		CAREFINDER_TEST_STORE=postgres $(GO) test -count=1 -short ./search ./web; \
	fi

## build: the carefinder binary and the benchmark
build:
	$(GO) build -o carefinder ./cmd/carefinder
	$(GO) build -o carefinder-bench ./cmd/carefinder-bench
