# cfs: build, install, test, demo and benchmark.
#
#   make          build build/cfs
#   make demo     install missing packages, build, run the walkthrough recipe
#   make test     install missing packages, build, run every test suite
#   make install  copy build/cfs to $(DESTDIR)$(PREFIX)/bin, recipes and docs to share/
#   make bench    compare start-up time with other runtimes (QUICK=1: smoke run)

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/cfs
DOCDIR ?= $(PREFIX)/share/doc/cfs
BUILD ?= build

CC ?= cc
LUA ?= lua5.4
PKGS := lua5.4 libarchive libcap libseccomp
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -D_GNU_SOURCE $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# Every library but the C library is linked statically: each shared one costs the
# dynamic loader an open, its mappings and its relocations on every start, and
# libarchive's pull in libxml2, ICU and libstdc++ too (1.1 ms of a 2.4 ms `cfs version`,
# see docs/benchmarks.md). Only the objects cfs calls are linked in.
LUA_STATIC := $(shell pkg-config --variable=libdir lua5.4 2>/dev/null)/liblua5.4.a
STATIC_LIBS := $(shell pkg-config --static --libs libarchive libcap libseccomp 2>/dev/null)
LDLIBS += $(LUA_STATIC) -Wl,-Bstatic $(STATIC_LIBS) -Wl,-Bdynamic -lm -ldl

# STATIC=1 (the default) links build/cfs with the C library too, so no dynamic loader
# runs and no shared library is mapped at each start (0.2 ms, see docs/benchmarks.md),
# and the binary runs in any root. It then loads no Lua C modules: src/static.c replaces
# the dlopen that Lua's package library calls. STATIC=0 keeps libc and libm shared, for
# valgrind's memcheck and the sanitizers, which need to replace malloc.
STATIC ?= 1
ifeq ($(STATIC),1)
CFS_LDFLAGS := -static -Wl,--wrap=dlopen,--wrap=dlsym,--wrap=dlerror,--wrap=dlclose
CFS_LDLIBS := $(LUA_STATIC) $(STATIC_LIBS) -lm
CFS_EXTRA_OBJ := $(BUILD)/obj/static.o
else
CFS_LDLIBS := $(LDLIBS)
endif

SRC := $(filter-out src/main.c src/static.c,$(wildcard src/*.c))
OBJ := $(SRC:src/%.c=$(BUILD)/obj/%.o)
LUA_SRC := $(shell find lua -name '*.lua' | sort)

# Debian packages the build, the tests and the default root filesystem need. The third
# line is the benchmark's contenders and tools (tests/bench, also run by the tests); the
# last one has the static libraries libarchive depends on.
DEPS := gcc make pkg-config lua5.4 liblua5.4-dev libarchive-dev libcap-dev libseccomp-dev \
        check busybox-static lua-check clang-format uidmap iproute2 procps util-linux python3 \
        hyperfine crun runc bubblewrap time jq shellcheck \
        libacl1-dev liblzma-dev libzstd-dev liblz4-dev libbz2-dev zlib1g-dev libxml2-dev nettle-dev

.PHONY: FORCE unit-tests all deps demo test test-unit test-lua test-integration lint format \
        install clean bench

all: $(BUILD)/cfs

$(BUILD)/obj/%.o: src/%.c src/*.h | $(BUILD)/obj
	$(CC) $(CFLAGS) -Isrc -c -o $@ $<

$(BUILD)/obj/embedded.o: $(BUILD)/embedded.c src/cfs.h | $(BUILD)/obj
	$(CC) $(CFLAGS) -Isrc -c -o $@ $<

$(BUILD)/embedded.c: src/embed.lua $(LUA_SRC) | $(BUILD)
	$(LUA) src/embed.lua $@ $(LUA_SRC)

$(BUILD)/libcfs.a: $(OBJ) $(BUILD)/obj/embedded.o
	$(AR) rcs $@ $^

# Relink when the link mode changes (make STATIC=0 after a static build).
$(BUILD)/link.flags: FORCE | $(BUILD)
	@flags='$(CFS_LDFLAGS) $(CFS_LDLIBS)'; \
	echo "$$flags" | cmp -s - $@ || echo "$$flags" >$@

$(BUILD)/cfs: $(BUILD)/obj/main.o $(CFS_EXTRA_OBJ) $(BUILD)/libcfs.a $(BUILD)/link.flags
	$(CC) $(LDFLAGS) $(CFS_LDFLAGS) -o $@ $(filter-out %.flags,$^) $(CFS_LDLIBS)

$(BUILD) $(BUILD)/obj $(BUILD)/tests/unit:
	mkdir -p $@

UNIT := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(wildcard tests/unit/check_*.c))

$(BUILD)/tests/unit/%: tests/unit/%.c tests/unit/unit.h $(BUILD)/libcfs.a | $(BUILD)/tests/unit
	$(CC) $(CFLAGS) $(shell pkg-config --cflags check) -Isrc -o $@ $< $(BUILD)/libcfs.a \
	  $(LDLIBS) $(shell pkg-config --libs check)

unit-tests: $(UNIT)

# The probe runs inside containers whose root holds no C library: link it statically.
$(BUILD)/tests/probe: tests/helpers/probe.c | $(BUILD)/tests/unit
	$(CC) $(CFLAGS) -static -o $@ $<

$(BUILD)/tests/hardening: tests/helpers/hardening.c | $(BUILD)/tests/unit
	$(CC) $(CFLAGS) -static -o $@ $<

# Install the Debian packages that are missing; as non-root, print the command instead.
deps:
	@missing=$$(for p in $(DEPS); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" -ne 0 ]; then \
	  echo "cfs: missing packages; run as root: apt-get install -y" $$missing >&2; exit 1; \
	fi; \
	echo "installing:" $$missing; \
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing

demo: deps
	$(MAKE) all
	$(BUILD)/cfs recipe recipes/demo.lua

test: deps
	$(MAKE) all
	$(MAKE) lint
	sh tests/run.sh

lint:
	luacheck -q lua recipes tests src/embed.lua
	clang-format --dry-run --Werror src/*.c src/*.h tests/unit/*.c tests/unit/*.h \
	  tests/helpers/*.c tests/bench/*.c
	shellcheck -x -s sh -S warning .ci/run tests/run.sh tests/bench/*.sh tests/integration/*.sh
	@long=$$(find Makefile .ci src lua recipes tests -type f ! -name '*.md' \
	  -exec awk 'length > 100 { print FILENAME ":" FNR }' {} +); \
	  if [ -n "$$long" ]; then echo "lines over 100 columns:"; echo "$$long"; exit 1; fi

format:
	clang-format -i src/*.c src/*.h tests/unit/*.c tests/unit/*.h tests/helpers/*.c tests/bench/*.c

install: $(BUILD)/cfs
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 $(BUILD)/cfs $(DESTDIR)$(BINDIR)/cfs
	install -d $(DESTDIR)$(DATADIR)/recipes $(DESTDIR)$(DOCDIR)
	install -m 0644 recipes/*.lua $(DESTDIR)$(DATADIR)/recipes
	install -m 0644 README.md docs/*.md $(DESTDIR)$(DOCDIR)

clean:
	rm -rf $(BUILD)

bench: deps
	$(MAKE) all
	sh tests/bench/run.sh
