# castwright's one task runner. `make demo` and `make test` set everything up on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help
UV ?= python3 -m uv
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_RUNTIME := ffmpeg
APT_TEST := ffmpeg chromium fonts-dejavu-core gpodder iproute2 openssl

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing system packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; fi
endef

uv:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet "uv>=0.5"

setup: uv  ## install ffmpeg and the Python environment (uv, locked)
	$(call apt_install,$(APT_RUNTIME))
	$(UV) sync --frozen

setup-test: uv
	$(call apt_install,$(APT_TEST))
	$(UV) sync --frozen

demo: setup  ## make the example episode end to end into public/ (no key, no GPU, no internet)
	$(UV) run castwright run examples/newsletter.md --out public

demo-pt: setup  ## the same with the pt-BR example show (Portuguese voices, multilingual Whisper)
	$(UV) run castwright run examples/newsletter-pt.md --show examples/show-pt.yaml --out public

preview:  ## serve public/ at http://localhost:8000/ (the feed's default base URL)
	$(UV) run python -m http.server 8000 --directory public

test: setup-test  ## run the whole test suite
	$(UV) run pytest

lint:  ## ruff and mypy
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy castwright flows tasks worker bench

docs:  ## regenerate docs/configuration.md from the validated models
	$(UV) run python -m castwright.docs > docs/configuration.md

bench: setup  ## run the benchmarks; figures go to the terminal and bench/results/
	$(UV) run python -m bench

.PHONY: help uv setup setup-test demo demo-pt preview test lint docs bench
