# wu-runcloud — two commands from `git clone` to a working system:
#   make demo     install what is missing, build, start the local stack, run the demo scenario
#   make test     every test suite; closing line `suites: N passed, M failed, K not run`
# See README.md. Everything the stack writes lives under .data/ (git-ignored).
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

CARGO ?= cargo

.PHONY: help deps build release test e2e demo demo-stop demo-status install uninstall dist bench

help:
	@echo "make demo        install prerequisites, build (release), start the local stack and run the demo"
	@echo "make demo-stop   stop every process the demo started (by pid)"
	@echo "make test        build (debug) and run every test suite; non-zero exit on any failure"
	@echo "make e2e         only the end-to-end suite (php-fpm + nginx + WordPress + browser)"
	@echo "make deps        install missing Debian packages, cargo-php and the e2e npm packages"
	@echo "make build       debug build of the extension and the simulator"
	@echo "make release     release build of the extension and the simulator"
	@echo "make install     production: build and install wu_runcloud.so for every PHP's CLI and FPM (needs root;"
	@echo "                 PHP_CONFIG=/path/to/php-config picks one PHP, SO=file.so installs a prebuilt one)"
	@echo "make uninstall   reverse 'make install' (PHP_CONFIG=… for one PHP)"
	@echo "make dist        dist/: a .so per PHP (this machine's, and 8.4 from a Debian 13 root), the plugin zip, SHA256SUMS"
	@echo "make bench       run bench/run.sh"

deps:
	@scripts/deps.sh

build:
	$(CARGO) build -p wu_runcloud -p runcloud-sim

release:
	$(CARGO) build --release -p wu_runcloud -p runcloud-sim

test: deps
	@tests/run-all.sh

e2e: deps build
	@tests/e2e/run.sh

demo: deps release
	@scripts/demo.sh up

demo-stop:
	@scripts/demo.sh down

demo-status:
	@scripts/demo.sh status || true

# Production install into every PHP found (PHP_CONFIG=… picks one; SO=… installs a prebuilt
# .so instead of building): builds with cargo as the invoking user, then installs as root.
install:
	@PHP_CONFIG="$(PHP_CONFIG)" scripts/install.sh install $(if $(SO),--so "$(SO)")

uninstall:
	@PHP_CONFIG="$(PHP_CONFIG)" scripts/install.sh uninstall

dist:
	@scripts/dist.sh

bench:
	@if [ -x bench/run.sh ]; then bench/run.sh; \
	else echo "make bench: bench/run.sh does not exist (yet); nothing was measured" >&2; exit 1; fi
