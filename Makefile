# Convenience front-end over CMake.  The two commands of the README:
#   scripts/setup      install packages, build, create and show the Jizhou demo
#   make check         build with ASan+UBSan and run every test (unit, integration)
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc)

export ASAN_OPTIONS ?= detect_leaks=1:abort_on_error=0:strict_string_checks=1
export LSAN_OPTIONS ?= suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS ?= print_stacktrace=1:halt_on_error=1

.PHONY: all deps web build check check-release test demo clean format

all: build

deps:
	scripts/setup --deps

# The web UI bundle (web/dist): npm ci when the lock file changed, then esbuild.
web:
	@if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then \
		cd web && npm ci --no-audit --no-fund; fi
	cd web && npm run build

build:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

# Every test, under AddressSanitizer + UndefinedBehaviorSanitizer, and the
# browser tests in headless Chromium against the same (sanitised) server.
check: deps web
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DTB_SANITIZE=ON >/dev/null
	cmake --build $(ASAN_BUILD) -j$(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j$(JOBS)

# The same tests against the optimised build.
check-release: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

demo: build
	rm -f jizhou-demo.gpkg jizhou-demo.gpkg-wal jizhou-demo.gpkg-shm
	$(BUILD)/tianbao --db jizhou-demo.gpkg demo

format:
	clang-format -i src/*/*.c src/*/*.h tests/unit/*.c

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
