# pmeta — plain Makefile. `make`, `make DEVELOPER=1`, `make SANITIZE=address,undefined`,
# `make check`, `make fuzz`, `make demo`, `make neo4j-start|neo4j-stop|neo4j-status`,
# `make slurm-deps|slurm-start|slurm-stop|slurm-status`.

CC ?= cc
PKGS := libcurl jansson libgit2 inih yaml-0.1 zlib uuid
BUILD ?= build
PREFIX ?= /usr/local

CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wno-missing-field-initializers
ifeq ($(DEVELOPER),1)
WARN += -Werror
endif
ifneq ($(SANITIZE),)
CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SANITIZE)
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -MMD -MP -I. -I$(BUILD)/gen $(PKG_CFLAGS) $(CFLAGS)
LIBS := $(PKG_LIBS) -lm -lpthread

GIT_VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
VERSION := 0.1.0

LIB_SRCS := $(sort $(wildcard util/*.c graph/*.c vcs/*.c run/*.c))
CMD_SRCS := $(sort $(wildcard cmd/*.c))
GEN_SRCS := $(BUILD)/gen/cypher.c $(BUILD)/gen/migrations.c
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o) $(GEN_SRCS:$(BUILD)/gen/%.c=$(BUILD)/obj/gen/%.o)
CMD_OBJS := $(CMD_SRCS:%.c=$(BUILD)/obj/%.o)
CYPHER := $(sort $(wildcard cypher/*.cypher))
MIGRATIONS := $(sort $(wildcard migrations/V*.cypher))

UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
# Fixtures shared by unit tests (tests/unit/*.c that are not test_*.c).
UNIT_HELPER_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(filter-out $(UNIT_SRCS),$(sort $(wildcard tests/unit/*.c))))

all: pmeta

pmeta: $(CMD_OBJS) $(BUILD)/libpmeta.a $(BUILD)/gen/flags
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(CMD_OBJS) $(BUILD)/libpmeta.a $(LIBS)

$(BUILD)/libpmeta.a: $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

# Objects built with other flags (say, SANITIZE) are never mixed in.
$(BUILD)/gen/flags: FORCE
	@mkdir -p $(dir $@)
	@echo '$(CC) $(ALL_CFLAGS) $(LDFLAGS)' | cmp -s - $@ || echo '$(CC) $(ALL_CFLAGS) $(LDFLAGS)' > $@

$(BUILD)/obj/%.o: %.c $(BUILD)/gen/flags | $(BUILD)/gen/cypher.h $(BUILD)/gen/migrations.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c $(BUILD)/gen/flags
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/obj/cmd/version.o: ALL_CFLAGS += -DPMETA_VERSION='"$(VERSION) ($(GIT_VERSION))"'
$(BUILD)/obj/cmd/version.o: $(BUILD)/gen/version-stamp

# Rebuild the version string when `git describe` changes.
$(BUILD)/gen/version-stamp: FORCE
	@mkdir -p $(dir $@)
	@echo '$(GIT_VERSION)' | cmp -s - $@ || echo '$(GIT_VERSION)' > $@

# Queries and migrations are compiled into the binary.
$(BUILD)/tools/embed: tools/embed.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O1 -o $@ $<

$(BUILD)/gen/cypher.c $(BUILD)/gen/cypher.h &: $(CYPHER) $(BUILD)/tools/embed $(BUILD)/gen/cypher.list
	@mkdir -p $(dir $@)
	$(BUILD)/tools/embed cypher $(BUILD)/gen/cypher.c $(BUILD)/gen/cypher.h $(CYPHER)

$(BUILD)/gen/migrations.c $(BUILD)/gen/migrations.h &: $(MIGRATIONS) $(BUILD)/tools/embed $(BUILD)/gen/migrations.list
	@mkdir -p $(dir $@)
	$(BUILD)/tools/embed migration $(BUILD)/gen/migrations.c $(BUILD)/gen/migrations.h $(MIGRATIONS)

# The lists change when a file is added or removed, which a timestamp misses.
$(BUILD)/gen/cypher.list: FORCE
	@mkdir -p $(dir $@)
	@echo '$(CYPHER)' | cmp -s - $@ || echo '$(CYPHER)' > $@
$(BUILD)/gen/migrations.list: FORCE
	@mkdir -p $(dir $@)
	@echo '$(MIGRATIONS)' | cmp -s - $@ || echo '$(MIGRATIONS)' > $@

# Unit tests (cmocka). Every test links the shared helpers (tests/unit/*.c
# that are not test_*.c); a test of a cmd/ module links that module's object too.
UNIT_OBJS_test_options := $(BUILD)/obj/cmd/options.o
.SECONDEXPANSION:
$(BUILD)/tests/%: tests/unit/%.c $(UNIT_HELPER_OBJS) $$(UNIT_OBJS_$$*) $(BUILD)/libpmeta.a $(BUILD)/gen/flags
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(UNIT_HELPER_OBJS) $(UNIT_OBJS_$*) $(BUILD)/libpmeta.a $(LIBS) -lcmocka

unit: $(UNIT_BINS)

# Kept: make would delete them as intermediates of the pattern rule above.
.SECONDARY: $(UNIT_HELPER_OBJS)

# `make check` runs every test: unit tests, then the end-to-end shell tests
# against a real Neo4j of their own (build/neo4j-test, ports 7475/7688): the
# tests wipe the graph they use, so they never touch the one `make demo` and
# `make neo4j-start` keep in build/neo4j. It is started here, and stopped
# after, when it is not running. Missing Debian packages are installed first,
# then the build runs in a sub-make so pkg-config sees them.
TEST_NEO4J_HTTP_PORT ?= 7475
TEST_NEO4J_BOLT_PORT ?= 7688
TEST_NEO4J := NEO4J_DIR=build/neo4j-test NEO4J_HTTP_PORT=$(TEST_NEO4J_HTTP_PORT) NEO4J_BOLT_PORT=$(TEST_NEO4J_BOLT_PORT)

NPROC := $(shell nproc 2>/dev/null || echo 2)

check: deps
	$(MAKE) -j$(NPROC) pmeta unit
	$(TEST_NEO4J) scripts/with-neo4j.sh tests/run.sh $(TESTS)

deps:
	@scripts/install-deps.sh

# `make fuzz`: the config parser under libFuzzer (Debian's clang) for
# FUZZ_TIME seconds; a crash, a sanitizer report or a leak fails it and
# leaves the input in build/fuzz/crash-*. Built apart, in build/fuzz, with
# clang, coverage and ASan+UBSan. Seeds: tests/fuzz/corpus (kept small, in
# the tree); what the fuzzer finds goes to build/fuzz/corpus.
FUZZ_TIME ?= 60
FUZZ_SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
fuzz: deps
	$(MAKE) -j$(NPROC) BUILD=$(BUILD)/fuzz CC=clang CFLAGS='-O1 -g -fsanitize=fuzzer-no-link $(FUZZ_SAN)' \
		LDFLAGS='-fsanitize=address,undefined' $(BUILD)/fuzz/fuzz_config
	@mkdir -p $(BUILD)/fuzz/corpus
	$(BUILD)/fuzz/fuzz_config -max_total_time=$(FUZZ_TIME) -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix=$(BUILD)/fuzz/ -print_final_stats=1 $(BUILD)/fuzz/corpus tests/fuzz/corpus

$(BUILD)/fuzz_config: tests/fuzz/fuzz_config.c $(BUILD)/libpmeta.a $(BUILD)/gen/flags
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -fsanitize=fuzzer -o $@ $< $(BUILD)/libpmeta.a $(LIBS)

neo4j-fetch:
	scripts/neo4j.sh fetch
neo4j-start:
	scripts/neo4j.sh start
neo4j-stop:
	scripts/neo4j.sh stop
neo4j-status:
	scripts/neo4j.sh status
neo4j-test-start:
	$(TEST_NEO4J) scripts/neo4j.sh start
neo4j-test-stop:
	$(TEST_NEO4J) scripts/neo4j.sh stop

# A single-node Slurm on 127.0.0.1 for the Slurm tests and the demo
# (scripts/slurm.sh): build/slurm unless SLURM_DIR says otherwise, ports
# SLURM_CTLD_PORT and SLURMD_PORT (6817, 6818), clients' settings in
# build/slurm/env. The tests that need it skip without it.
slurm-deps:
	scripts/install-deps.sh --slurm
slurm-start:
	scripts/slurm.sh start
slurm-stop:
	scripts/slurm.sh stop
slurm-status:
	scripts/slurm.sh status

demo:
	scripts/demo.sh

install: pmeta
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 pmeta $(DESTDIR)$(PREFIX)/bin/pmeta

clean:
	rm -rf $(BUILD)/obj $(BUILD)/gen $(BUILD)/tests $(BUILD)/tools $(BUILD)/libpmeta.a pmeta

.PHONY: all unit check deps fuzz neo4j-fetch neo4j-start neo4j-stop neo4j-status neo4j-test-start neo4j-test-stop \
	slurm-deps slurm-start slurm-stop slurm-status demo install clean FORCE

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
