# The README's commands. `make test` is what CI runs.
.PHONY: test dev build vet
GO ?= go

build:
	$(GO) build ./...

vet:
	test -z "$$(gofmt -l .)" || { gofmt -l .; echo "gofmt: files above need formatting"; exit 1; }
	$(GO) vet ./...

test: vet
	$(GO) test -race -count=1 -timeout 30m ./...

dev:
	$(GO) run ./cmd/ippsd dev
