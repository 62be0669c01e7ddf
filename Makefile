# netpolc — build, test, fuzz and benchmark.
GO       ?= go
FUZZTIME ?= 60s
# make test runs each fuzz target briefly; make fuzz runs them for FUZZTIME.
FUZZ_BRIEF ?= 5s

# Fuzz targets: package:target.
FUZZ_TARGETS := ./intent:FuzzLoad ./manifests:FuzzParse

.PHONY: all build test fmt-check vet unit fuzz fuzz-brief bench example clean

all: build test

build:
	$(GO) build -o bin/netpolc ./cmd/netpolc

## test: gofmt check, go vet, unit tests and a brief run of every fuzz target
test: fmt-check vet unit fuzz-brief

fmt-check:
	@files=$$(gofmt -l $$(find . -name '*.go' -not -path './.git/*')); \
	if [ -n "$$files" ]; then echo "gofmt needed on:"; echo "$$files"; exit 1; fi

vet:
	$(GO) vet ./...

unit:
	$(GO) test -count=1 ./...

fuzz-brief:
	@$(MAKE) --no-print-directory fuzz FUZZTIME=$(FUZZ_BRIEF)

fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$pkg $$name ($(FUZZTIME))"; \
		$(GO) test -run='^$$' -fuzz="^$$name\$$" -fuzztime=$(FUZZTIME) $$pkg; \
	done

## bench: Go benchmarks, then the end-to-end compile on a generated cluster
bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./compiler/... ./enforcer/...
	$(GO) run ./internal/benchcmd

## example: the README's first command
example:
	$(GO) run ./cmd/netpolc build examples/shop -o out/

clean:
	rm -rf bin out
