# Sellify Core — the two commands: `make run` and `make test`.
# Both install missing system packages first (scripts/install-deps.sh, apt-get).

SWIFT ?= swift
CONFIG ?= config.yaml
RELEASE_BIN = .build/release/sellify

# `make test` is quiet: a green run prints a few summary lines, a red one the
# compiler's errors or the failing tests' issues. `make test V=1` prints every
# build step, warning and test (and the commands make runs).
V ?= 0
ifeq ($(V),1)
Q =
QUIET =
RESOLVE = $(SWIFT) package resolve
else
Q = @
QUIET = --quiet
# Resolution names every dependency it fetches whatever the verbosity (a fresh
# clone: ~160 lines): its output is kept and shown only when it fails.
RESOLVE = out=$$($(SWIFT) package resolve 2>&1) || { printf '%s\n' "$$out" >&2; exit 1; }
endif

.PHONY: run test test-stress deps deps-test build release check format lint bench bench-http image-check clean

# The Swift sources swift-format keeps in the house layout (.swift-format).
FORMATTED = Package.swift Sources Tests plugins bench

## run: install, build (release), check config + catalog + rules, then serve config.yaml
## on the embedded SQLite store (prints the URL, and on the first start an API key and a curl example).
run: deps release
	$(RELEASE_BIN) check --config $(CONFIG)
	$(RELEASE_BIN) serve --config $(CONFIG)

## test: install, build and run every test (what CI runs). V=1: verbose.
test: deps-test
	@echo "make test: swift format lint (make format fixes the layout)"
	$(Q)$(SWIFT) format lint --strict --parallel --recursive $(FORMATTED)
	@echo "make test: building (the first build takes several minutes; V=1 shows its progress)"
	$(Q)$(RESOLVE)
	$(Q)$(SWIFT) build --build-tests $(QUIET)
	@echo "make test: swift test"
	$(Q)$(SWIFT) test --skip-build $(QUIET)
	@echo "make test: sellify check and sellify test on $(CONFIG)"
	$(Q)$(SWIFT) run --skip-build $(QUIET) sellify check --config $(CONFIG)
	$(Q)$(SWIFT) run --skip-build $(QUIET) sellify test --config $(CONFIG)
	$(Q)if apt-cache show podman >/dev/null 2>&1; then SWIFT=$(SWIFT) scripts/image-check.sh; \
	else echo "make test: image-check NOT RUN: podman cannot be installed here (apt-cache show podman)"; fi

## test-stress: the whole suite with every core busy, then pinned to one core
## (tests must not depend on how fast the machine is).
test-stress: deps-test
	$(Q)SWIFT=$(SWIFT) V=$(V) scripts/test-stress.sh

## format: lay the Swift sources out as .swift-format says (in place).
format:
	$(SWIFT) format --in-place --parallel --recursive $(FORMATTED)

## lint: what `make test` checks first: the layout and swift-format's rules.
lint:
	$(SWIFT) format lint --strict --parallel --recursive $(FORMATTED)

## image-check: build the container image (podman, a debootstrapped Debian base, the release
## binary) and run check + serve from its filesystem under chroot; probe it (docs/deployment.md).
image-check: deps
	$(Q)SWIFT=$(SWIFT) scripts/image-check.sh

deps:
	@scripts/install-deps.sh

# The AI-gateway tests' local LLM (llama.cpp server + SmolLM2), cached outside .build.
deps-test:
	@scripts/install-deps.sh --test
	@scripts/install-llm.sh

build: deps
	$(SWIFT) build --product sellify

release: deps
	$(SWIFT) build -c release --product sellify

check: build
	$(SWIFT) run sellify check --config $(CONFIG)

## bench: the benchmarks in bench/ (release build); results are recorded in bench/README.md
## and bench/results.md. bench-http: wrk against the running server.
bench: deps-test
	bench/run.sh

bench-http: deps-test
	bench/http.sh

clean:
	rm -rf .build
