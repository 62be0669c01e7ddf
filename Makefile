# netpolc — build, test, fuzz and benchmark.
GO       ?= go
FUZZTIME ?= 60s
# make test runs each fuzz target briefly; make fuzz runs them for FUZZTIME
# and the equivalence property tests on thousands of seeds.
# A count, not a duration: a duration that runs out while the fuzzer is still
# replaying its corpus on a loaded machine fails with "context deadline exceeded".
FUZZ_BRIEF ?= 2000x

# Fuzz targets: package:target.
FUZZ_TARGETS := ./intent:FuzzLoad ./internal/manifests:FuzzParse ./internal/config:FuzzParse \
	./enforcer/calico:FuzzParseSelector ./internal/portset:FuzzAlgebra \
	./internal/netset:FuzzAlgebra

.PHONY: all build test crosscheck crosscheck-run fmt-check vet unit fuzz fuzz-targets fuzz-brief fuzz-equivalence bench example clean

all: build test

build:
	$(GO) build -o bin/netpolc ./cmd/netpolc

## test: gofmt check, go vet, unit tests and a brief run of every fuzz target;
## with NETPOLC_UPSTREAM=1 (set by .ci/run) also the nested crosscheck modules
test: fmt-check vet unit fuzz-brief crosscheck

# Differential tests against upstream code used as a library, in nested
# test-only modules (internal/crosscheck/<name>, own go.mod). Their cold
# build is heavy (kube-network-policies pulls client-go: about 10 CPU
# minutes), so make test runs them only with NETPOLC_UPSTREAM=1; .ci/run
# sets it. make crosscheck-run runs them regardless.
CROSSCHECK := internal/crosscheck/upstream

crosscheck:
	@if [ "$(NETPOLC_UPSTREAM)" = 1 ]; then $(MAKE) --no-print-directory crosscheck-run; \
	else echo "crosscheck: skipped (NETPOLC_UPSTREAM=1 runs $(CROSSCHECK))"; fi

crosscheck-run:
	@set -e; for d in $(CROSSCHECK); do echo "crosscheck $$d"; \
		(cd $$d && $(GO) vet ./... && $(GO) test -count=1 ./...); done

fmt-check:
	@files=$$(gofmt -l $$(find . -name '*.go' -not -path './.git/*')); \
	if [ -n "$$files" ]; then echo "gofmt needed on:"; echo "$$files"; exit 1; fi

vet:
	$(GO) vet ./...

unit:
	$(GO) test -count=1 ./...

fuzz-brief:
	@$(MAKE) --no-print-directory fuzz-targets FUZZTIME=$(FUZZ_BRIEF)

## fuzz: every fuzz target for FUZZTIME, then the equivalence property tests
## on thousands of random intent sets
fuzz: fuzz-targets fuzz-equivalence

fuzz-targets:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$pkg $$name ($(FUZZTIME))"; \
		$(GO) test -run='^$$' -fuzz="^$$name\$$" -fuzztime=$(FUZZTIME) $$pkg; \
	done

# CI runs hundreds of seeds per target within make test.
fuzz-equivalence:
	NETPOLC_FUZZ_SEEDS=3000 NETPOLC_LONG=1 $(GO) test -count=1 -run 'Equivalen' \
		./internal/target ./enforcer/cilium ./enforcer/nftables

## bench: Go benchmarks, then the end-to-end compile on a generated cluster
bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./intent ./compiler/... ./internal/pipeline ./enforcer/...
	$(GO) test -run='^$$' -bench=Verify -benchtime=3x ./internal/gate
	$(GO) run ./internal/benchcmd

## example: the README's first command
example:
	$(GO) run ./cmd/netpolc build examples/shop -o out/

clean:
	rm -rf bin out
