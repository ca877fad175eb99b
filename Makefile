# Sellify Core — the two commands: `make run` and `make test`.
# Both install missing system packages first (scripts/install-deps.sh, apt-get).

SWIFT ?= swift
CONFIG ?= config.yaml
RELEASE_BIN = .build/release/sellify

.PHONY: run test deps deps-test build release check bench clean

## run: install, build (release), check config + catalog + rules, then start the main command.
run: deps release
	$(RELEASE_BIN) check --config $(CONFIG)
	@echo
	@echo "sellify is built: $(RELEASE_BIN)"
	@echo "The HTTP server (sellify serve) arrives with the server issue; until then the"
	@echo "main command is 'check'. Try: $(RELEASE_BIN) --help"

## test: install, build and run every test (what CI runs).
test: deps-test
	$(SWIFT) build --build-tests
	$(SWIFT) test
	$(SWIFT) run sellify check --config $(CONFIG)
	$(SWIFT) run sellify test --config $(CONFIG)

deps:
	@scripts/install-deps.sh

deps-test:
	@scripts/install-deps.sh --test

build: deps
	$(SWIFT) build --product sellify

release: deps
	$(SWIFT) build -c release --product sellify

check: build
	$(SWIFT) run sellify check --config $(CONFIG)

## bench: the benchmarks in bench/ (release build); results are recorded in bench/README.md.
bench: deps-test
	bench/run.sh

clean:
	rm -rf .build
