# awsemu — build, run, test. `make` is the release build (optimised, asserts on);
# `make test` builds an ASan+UBSan variant and runs the unit and integration tests.

CC      ?= cc
PKGS     = libmicrohttpd jansson libuv sqlite3 zlib libcrypto
CFLAGS_BASE = -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -I. -MMD -MP \
              $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm

RELEASE_CFLAGS = -O2 -g
ASAN_CFLAGS    = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
                 -fno-sanitize-recover=undefined -DAWSEMU_DEBUG

SERVER_SRCS = server/buf.c server/awserr.c server/log.c server/config.c server/req.c \
              server/http.c server/route.c server/awsjson.c server/sigv4.c server/engine.c \
              server/admin.c server/dynamodb_err.c server/dynamodb_value.c server/dynamodb.c \
              server/ids.c server/dynamodb_table.c server/dynamodb_item.c
STORAGE_SRCS = storage/db.c storage/tables.c storage/items.c
LIB_SRCS  = $(SERVER_SRCS) $(STORAGE_SRCS)
MAIN_SRC  = server/main.c
UNIT_SRCS = tests/unit/test_sigv4.c tests/unit/test_route.c tests/unit/test_dynamodb_value.c

REL_DIR  = build/release
ASAN_DIR = build/asan

REL_OBJS  = $(LIB_SRCS:%.c=$(REL_DIR)/%.o)
ASAN_OBJS = $(LIB_SRCS:%.c=$(ASAN_DIR)/%.o)
UNIT_BINS = $(UNIT_SRCS:tests/unit/%.c=$(ASAN_DIR)/tests/%)

.PHONY: all run test unit integration deps test-deps asan clean format bench

all: build/awsemu

build/awsemu: $(REL_OBJS) $(REL_DIR)/server/main.o | deps
	$(CC) $(RELEASE_CFLAGS) -o $@ $^ $(LDLIBS)

$(REL_DIR)/%.o: %.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(RELEASE_CFLAGS) -c -o $@ $<

asan: build/asan/awsemu $(UNIT_BINS)

build/asan/awsemu: $(ASAN_OBJS) $(ASAN_DIR)/server/main.o
	$(CC) $(ASAN_CFLAGS) -o $@ $^ $(LDLIBS)

$(ASAN_DIR)/%.o: %.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(ASAN_CFLAGS) -c -o $@ $<

$(ASAN_DIR)/tests/%: tests/unit/%.c $(ASAN_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(ASAN_CFLAGS) -o $@ $< $(ASAN_OBJS) $(LDLIBS) -lcmocka

run: build/awsemu
	./build/awsemu --log-level info

deps:
	@./scripts/deps.sh build

test-deps:
	@./scripts/deps.sh test

unit: $(UNIT_BINS)
	@./scripts/run-unit.sh $(UNIT_BINS)

integration: build/awsemu build/asan/awsemu | test-deps
	@./scripts/run-integration.sh

test: test-deps
	@$(MAKE) --no-print-directory all asan
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory integration

bench: build/awsemu
	@./bench/run.sh

format:
	clang-format -i $(LIB_SRCS) $(MAIN_SRC) server/*.h storage/*.h $(UNIT_SRCS)

clean:
	rm -rf build

-include $(REL_OBJS:.o=.d) $(ASAN_OBJS:.o=.d) $(REL_DIR)/server/main.d $(ASAN_DIR)/server/main.d
