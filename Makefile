# arbor: the front door. `make` builds into bin/, `make test` installs what the build and the
# tests need, builds, and runs every test. See README.md.
BUILD    ?= build
BUILDTYPE ?= RelWithDebInfo
JOBS     ?= $(shell nproc)
SHARED   ?= ../shared

# Debian 12 packages the build and the tests need. `make deps` installs the missing ones.
BUILD_PKGS := g++ cmake ninja-build libgtest-dev libgmock-dev libbenchmark-dev libboost1.81-dev \
              nlohmann-json3-dev libcpp-httplib-dev libcrypto++-dev libssl-dev \
              libyaml-cpp-dev
TEST_PKGS  := curl openssl python3 etcd-server etcd-client python3-etcd
PKGS       := $(BUILD_PKGS) $(TEST_PKGS)

SHELL := /bin/bash
.PHONY: all build deps test unit conformance run clean format bench raft-soak

all: build

build:
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILDTYPE) $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

deps:
	@missing=$$(for p in $(PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing$$(echo $$missing | tr '\n' ' ')"; \
	  if [ "$$(id -u)" != 0 ]; then echo "make deps: run as root to install packages" >&2; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
	fi

# Unit and integration tests (ctest), the shared conformance suites when ../shared is here, and
# the web UI's end-to-end tests in headless Chromium.
test: deps build unit conformance ui-test

unit:
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900

conformance:
	@if [ -x bin/arbor ] && [ -f $(SHARED)/conformance/diff.py ]; then \
	  ./tests/run_shared.sh $(SHARED); \
	else echo "conformance: skipped (no bin/arbor or no $(SHARED))"; fi

run: deps build
	bin/arbor --name default --data-dir default.arbor \
	  --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
	  --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
	  --initial-cluster default=http://127.0.0.1:2380

bench: build
	@for b in $(BUILD)/*_bench; do [ -x $$b ] && $$b; done

format:
	@clang-format -i $$(git ls-files 'src/*.cc' 'src/*.h' 'tests/*.cc' 'tests/*.h')

# The randomised raft test over 100,000 seeds (`make test` runs 1,000; see tests/raft/randomized_test.cc).
raft-soak: build
	@ARBOR_RAFT_SEEDS=100000 $(BUILD)/raft_test --gtest_filter='RandomizedTest.*'

# Sanitizer builds of everything, running the whole ctest suite: ASan+UBSan, and TSan. The
# integration tests run bin/arbor, so these link their server into bin/ and remove it after the
# run: the next `make build` relinks the plain one.
.PHONY: asan asan-unit tsan fuzz
asan: deps
	@$(MAKE) --no-print-directory build BUILD=build-asan BUILDTYPE=Debug \
	  CMAKE_ARGS='-DARBOR_SANITIZE=address,undefined -DARBOR_BIN_DIR=$(CURDIR)/bin'
	@cd build-asan && UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ctest --output-on-failure -j $(JOBS) --timeout 900; \
	  rc=$$?; rm -f $(CURDIR)/bin/arbor $(CURDIR)/bin/arborctl; exit $$rc
# What CI runs on every submission (.ci/run): the module unit tests (not the ones that start
# bin/arbor) under ASan+UBSan, in build-asan, with the randomised raft test at 200 seeds.
ASAN_UNITS := util store raft wal snap server http
asan-unit: deps
	@cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DARBOR_SANITIZE=address,undefined \
	  -DARBOR_BIN_DIR=$(CURDIR)/build-asan/bin >/dev/null
	@cmake --build build-asan -j $(JOBS) --target $(addsuffix _test,$(ASAN_UNITS))
	@for t in $(ASAN_UNITS); do \
	  echo "asan-unit: $${t}_test"; \
	  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ARBOR_RAFT_SEEDS=200 \
	    build-asan/$${t}_test --gtest_brief=1 || exit 1; \
	done
tsan: deps
	@$(MAKE) --no-print-directory build BUILD=build-tsan BUILDTYPE=RelWithDebInfo \
	  CMAKE_ARGS='-DARBOR_SANITIZE=thread -DARBOR_BIN_DIR=$(CURDIR)/bin'
	@cd build-tsan && ctest --output-on-failure -j $(JOBS) --timeout 900; \
	  rc=$$?; rm -f $(CURDIR)/bin/arbor $(CURDIR)/bin/arborctl; exit $$rc

# libFuzzer targets (tests/fuzz), built with clang + ASan/UBSan, each run for FUZZ_SECONDS on a
# corpus seeded by make_seeds (build-fuzz/corpus/<target>, kept between runs; the HTTP targets'
# seeds come from the requests in $(SHARED)/spec/examples.md). Every target runs even when one
# fails; crashes are kept in build-fuzz/crashes/.
FUZZ_SECONDS ?= 60
fuzz: deps
	@$(MAKE) --no-print-directory deps PKGS='clang libclang-rt-dev'
	@cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DARBOR_FUZZ=ON >/dev/null
	@cmake --build build-fuzz -j $(JOBS) --target fuzz_targets
	@build-fuzz/make_seeds build-fuzz/corpus $(SHARED)/spec
	@failed=""; for t in build-fuzz/*_fuzz; do \
	  n=$$(basename $$t); mkdir -p build-fuzz/corpus/$$n build-fuzz/crashes; \
	  echo "fuzz: $$n for $(FUZZ_SECONDS) s"; \
	  $$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix=build-fuzz/crashes/$$n- build-fuzz/corpus/$$n 2>&1 | grep -E '^(stat::|#[0-9]+[[:space:]]+DONE|==[0-9]+==|SUMMARY)'; \
	  test $${PIPESTATUS[0]} -eq 0 || failed="$$failed $$n"; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: FAILED:$$failed (see build-fuzz/crashes/)"; exit 1; fi

clean:
	rm -rf $(BUILD) build-asan build-tsan build-fuzz bin

# The web UI's end-to-end tests (tests/ui/, see docs/web_ui.md) against bin/arbor, which serves the
# page itself: installs Debian's chromium (and etcd, which the multi-member cluster view test runs)
# if missing, Node.js and npm if missing, the pinned playwright-core from tests/ui/package-lock.json
# (`npm ci`, again only when the lockfile changed; no browser download), then drives the page in
# headless Chromium. Screenshots go to $(BUILD)/ui-screenshots; `make ui-screenshots` rewrites
# docs/screenshots/ instead.
.PHONY: ui-test ui-deps ui-screenshots
ui-deps:
	@missing=$$(for p in chromium etcd-server; do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	command -v node >/dev/null || missing="$$missing nodejs"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	if [ -n "$$(echo $$missing)" ]; then \
	  echo "ui-test: installing $$(echo $$missing)"; \
	  if [ "$$(id -u)" != 0 ]; then echo "ui-test: run as root to install packages" >&2; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
	fi; \
	v=$$(node -p 'process.versions.node.split(".")[0]'); \
	if [ "$$v" -lt 20 ]; then echo "ui-test: playwright-core 1.64.1 needs Node.js >= 20, this is $$(node --version)" >&2; exit 1; fi
	@cd tests/ui && if ! cmp -s package-lock.json node_modules/.arbor-lockfile; then \
	  npm ci --no-audit --no-fund --loglevel=error >/dev/null && cp package-lock.json node_modules/.arbor-lockfile; \
	fi

ui-test: ui-deps build
	@UI_SCREENSHOT_DIR=$(BUILD)/ui-screenshots node tests/ui/run.mjs

ui-screenshots: ui-deps build
	@ARBOR_UPDATE_SCREENSHOTS=1 node tests/ui/run.mjs
