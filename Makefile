# netpolc — build, test, fuzz and benchmark.
GO       ?= go
FUZZTIME ?= 60s
# make test runs each fuzz target briefly; make fuzz runs them for FUZZTIME
# and the equivalence property tests on thousands of seeds.
# A count, not a duration: a duration that runs out while the fuzzer is still
# replaying its corpus on a loaded machine fails with "context deadline exceeded".
FUZZ_BRIEF ?= 2000x

# Fuzz targets: package:target.
FUZZ_TARGETS := ./intent:FuzzLoad ./intent:FuzzSplit ./internal/manifests:FuzzParse ./internal/manifests:FuzzDecodeEquivalence ./internal/manifests:FuzzFastYAML ./internal/config:FuzzParse \
	./enforcer/calico:FuzzParseSelector ./internal/portset:FuzzAlgebra ./emitters/kit:FuzzYAML \
	./internal/netset:FuzzAlgebra ./internal/flows:FuzzRead ./compiler:FuzzJSONNode ./compiler:FuzzKeyString \
	./internal/testkit/kerneltest:FuzzParseConntrack ./internal/testkit/kerneltest:FuzzParseLogged

.PHONY: all build test crosscheck crosscheck-run fmt-check vet unit fuzz fuzz-targets fuzz-brief fuzz-equivalence bench bench-go example clean

all: build test

build:
	$(GO) build -o bin/netpolc ./cmd/netpolc

## test: gofmt check, go vet, unit tests, a brief run of every fuzz target
## and the differential tests against upstream code (internal/crosscheck)
test: fmt-check vet unit fuzz-brief crosscheck

# Differential tests against upstream code used as a library, in nested
# test-only modules (internal/crosscheck/<name>, own go.mod), so the main
# module stays lean. calico (libcalico-go's selector package, about 150
# CPU seconds cold), cilium (Cilium's label filter, CNP parsing and
# policy engine, about 230 CPU seconds cold, 12 s warm) and upstream
# (kube-network-policies' controller as a library: about 120 CPU seconds
# once the main module and the other two are built, 65 s wall on an idle
# 2-core machine, 160 s on a loaded one) all run in make test;
# NETPOLC_CROSSCHECK=off skips them for a quick local loop.
CROSSCHECK := $(patsubst %/go.mod,%,$(wildcard internal/crosscheck/*/go.mod))

crosscheck:
	@if [ "$(NETPOLC_CROSSCHECK)" = off ]; then echo "crosscheck: skipped (NETPOLC_CROSSCHECK=off)"; \
	else $(MAKE) --no-print-directory crosscheck-run DIRS="$(CROSSCHECK)"; fi

crosscheck-run:
	@set -e; for d in $(DIRS); do echo "crosscheck $$d"; \
		(cd $$d && $(GO) vet ./... && NETPOLC_UPSTREAM=1 $(GO) test -count=1 ./...); done

fmt-check:
	@files=$$(gofmt -l $$(find . -name '*.go' -not -path './.git/*')); \
	if [ -n "$$files" ]; then echo "gofmt needed on:"; echo "$$files"; exit 1; fi

vet:
	$(GO) vet ./...

unit:
	$(GO) test -count=1 ./...
	@$(GO) run ./internal/testkit/kerneltest/status

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
	NETPOLC_FUZZ_SEEDS=3000 NETPOLC_LONG=1 $(GO) test -count=1 -timeout=60m -run 'Equivalen' \
		./internal/target ./enforcer/cilium ./enforcer/nftables

## bench: one table (size, phase, wall, CPU, peak RSS) of the netpolc
## binary on generated fixtures: matrix, build, verify, compile scaling.
## BENCH_FLAGS=-md prints it as the README's Markdown; -runs=1 is quicker.
BENCH_FLAGS ?=
bench: build
	$(GO) run ./internal/benchcmd -netpolc bin/netpolc $(BENCH_FLAGS)

## bench-go: the Go benchmarks of the packages (load, compile, model, verify)
bench-go:
	$(GO) test -run='^$$' -bench=. -benchmem ./intent ./compiler/... ./internal/pipeline ./enforcer/...
	$(GO) test -run='^$$' -bench=Verify -benchtime=3x ./internal/gate

## example: the README's first command
example:
	$(GO) run ./cmd/netpolc build examples/shop -o out/

clean:
	rm -rf bin out
