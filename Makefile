# The two commands a newcomer needs are `make run` and `make test`
# (or, without make: `go run ./cmd/carefinder serve` and `go test ./...`).

GO ?= go

.PHONY: run test build bench vet

## run: the service on :8080 with SQLite and the demo directory, no setup
run:
	$(GO) run ./cmd/carefinder serve

## test: every test (PostgreSQL store tests run when CAREFINDER_TEST_POSTGRES is set;
## tests on the real 2015 directory run when ../shared exists or CAREFINDER_SHARED is set)
test:
	$(GO) vet ./...
	$(GO) test -count=1 ./...

## build: the carefinder binary
build:
	$(GO) build -o carefinder ./cmd/carefinder
