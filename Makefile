# The etcd charm in Go, and jujusim, the local Juju model it is tested on.
# `make help` lists the targets.

GO        ?= go
GOFLAGS   ?=
BUILD     := build
BIN       := bin
# Real etcd binaries for jujusim's fake snap store (make etcd-bins). Kept
# outside the clone so a rebuild or a fresh clone on the same machine reuses them.
ETCD_BINS ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/etcd-charm/etcd-bins
export ETCD_BINS

LDFLAGS     := -s -w
VERSION     := $(shell git describe --always --dirty 2>/dev/null || echo dev)

.PHONY: help setup build charm charms sim sim-bench bench bench-quick etcdbench etcd-bins etcd-snap test chaos unit lint size clean demo

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | sort

# demo, test, lint and bench* run it first: on a fresh machine it installs
# the Debian packages and pinned Go tools (stopping with the command to run
# when it cannot), and only checks a few files when everything is there.
setup: ## install what a fresh machine lacks (Debian packages, pinned Go tools)
	@./scripts/setup.sh

build: ## build the charm binary into build/charm/dispatch
	@mkdir -p $(BUILD)/charm
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS) -X main.version=$(VERSION)' -o $(BUILD)/charm/dispatch ./cmd/etcd-charm

# charmcraft.yaml's platform architectures; Juju's names are Go's for these.
PLATFORM_ARCHS := amd64 arm64 s390x
HOST_ARCH      := $(shell $(GO) env GOARCH)

charm: build ## pack build/etcd_<arch>.charm per platform arch; build/etcd.charm is the host's; build/charm is it unpacked
	$(GO) build -o $(BUILD)/charmpack ./cmd/charmpack
	$(BUILD)/charmpack -src . -binary $(BUILD)/charm/dispatch -arch $(HOST_ARCH) -stage $(BUILD)/charm -out $(BUILD)/etcd_$(HOST_ARCH).charm
	@set -e; for arch in $(filter-out $(HOST_ARCH),$(PLATFORM_ARCHS)); do \
		echo "GOARCH=$$arch go build ./cmd/etcd-charm && charmpack -arch $$arch -out $(BUILD)/etcd_$$arch.charm"; \
		mkdir -p $(BUILD)/charm-$$arch; \
		CGO_ENABLED=0 GOARCH=$$arch $(GO) build -trimpath -ldflags '$(LDFLAGS) -X main.version=$(VERSION)' -o $(BUILD)/charm-$$arch/dispatch ./cmd/etcd-charm; \
		$(BUILD)/charmpack -src . -binary $(BUILD)/charm-$$arch/dispatch -arch $$arch -out $(BUILD)/etcd_$$arch.charm; \
	done
	cp $(BUILD)/etcd_$(HOST_ARCH).charm $(BUILD)/etcd.charm

charms: charm ## pack the partner charms (easyrsa, etcd-client, the layer-etcd stand-in, prometheus) next to etcd.charm
	@mkdir -p $(BUILD)/easyrsa $(BUILD)/etcd-client $(BUILD)/prometheus
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BUILD)/easyrsa/dispatch ./sim/charms/easyrsa/cmd
	$(GO) run ./cmd/charmpack -src sim/charms/easyrsa -binary $(BUILD)/easyrsa/dispatch -out $(BUILD)/easyrsa.charm
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BUILD)/etcd-client/dispatch ./sim/charms/etcdclient/cmd
	$(GO) run ./cmd/charmpack -src sim/charms/etcdclient -binary $(BUILD)/etcd-client/dispatch -out $(BUILD)/etcd-client.charm
	@mkdir -p $(BUILD)/layer-etcd
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BUILD)/layer-etcd/dispatch ./sim/charms/layeretcd/cmd
	$(GO) run ./cmd/charmpack -src sim/charms/layeretcd -binary $(BUILD)/layer-etcd/dispatch -out $(BUILD)/layer-etcd.charm
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BUILD)/prometheus/dispatch ./sim/charms/prometheus/cmd
	$(GO) run ./cmd/charmpack -src sim/charms/prometheus -binary $(BUILD)/prometheus/dispatch -out $(BUILD)/prometheus.charm

sim: ## build jujusim and its hook-tool binary into bin/
	@mkdir -p $(BIN)
	$(GO) build -o $(BIN)/jujusim ./cmd/jujusim
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/jujuc ./cmd/jujuc

sim-bench: ## jujusim overhead: 3-unit no-op deploy until settled, one hook-tool call
	$(GO) test ./sim/controller -run '^$$' -bench . -benchtime 5x
	$(GO) test ./sim/controller -run '^$$' -bench ToolCall -benchtime 500x -count 3

etcdbench: ## build bin/etcdbench (static: it is also the charm's timing wrapper)
	@mkdir -p $(BIN)
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN)/etcdbench ./cmd/etcdbench

bench: setup charms sim etcdbench etcd-bins ## charm vs bare etcd, full run (~15 min); writes BENCHMARKS.md
	$(BIN)/etcdbench -out BENCHMARKS.md

bench-quick: setup charms sim etcdbench etcd-bins ## short benchmark run for CI (a few minutes); prints the table only
	$(BIN)/etcdbench -short

etcd-bins: ## build real etcd 3.5/3.6 (and copy Debian's 3.4) into $(ETCD_BINS)
	./scripts/etcd-bins.sh "$(ETCD_BINS)"

etcd-snap: etcd-bins ## build build/etcd.snap (a squashfs snap) from the cached binaries
	./scripts/etcd-snap.sh "$(ETCD_BINS)" $(BUILD)/etcd.snap

unit: ## unit tests only (no processes, no binaries)
	$(GO) test -race -short ./...

# Integration tests drive the packed charms with jujusim, as an operator would.
TEST_ENV := ETCD_CHARM=$(CURDIR)/$(BUILD)/etcd.charm EASYRSA_CHARM=$(CURDIR)/$(BUILD)/easyrsa.charm \
	ETCD_CLIENT_CHARM=$(CURDIR)/$(BUILD)/etcd-client.charm LAYER_ETCD_CHARM=$(CURDIR)/$(BUILD)/layer-etcd.charm \
	PROMETHEUS_CHARM=$(CURDIR)/$(BUILD)/prometheus.charm \
	JUJUSIM=$(CURDIR)/$(BIN)/jujusim

test: setup charms sim etcd-bins ## unit and integration tests (on jujusim, with real etcd)
	$(TEST_ENV) $(GO) test -race -timeout 40m ./...
	cd tests/promql && $(GO) test ./...

# The fault suite's short form runs in `make test`; this is all of it.
chaos: setup charms sim etcd-bins ## the full fault suite on jujusim (kill, freeze, reboots, partition); prints its table
	$(TEST_ENV) CHAOS_FULL=1 $(GO) test -timeout 40m -count 1 -v -run '^TestChaos$$' ./tests/integration

demo: setup charms sim etcd-bins ## deploy easyrsa + 3 etcd + etcd-client + Prometheus on jujusim and show status
	./scripts/demo.sh

STATICCHECK = $(or $(shell $(GO) env GOBIN),$(shell $(GO) env GOPATH)/bin)/staticcheck

lint: setup ## gofmt, go vet, staticcheck
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...

size: build ## print the charm binary's size and peak RSS of a no-op hook
	$(GO) run ./cmd/charmsize -binary $(BUILD)/charm/dispatch

clean: ## remove build outputs (not the etcd binary cache)
	rm -rf $(BUILD) $(BIN)
