# awsemu — build, run, test. `make` is the release build (optimised, asserts on);
# `make test` builds an ASan+UBSan variant and runs the unit and integration tests.

CC      ?= cc
PKGS     = libmicrohttpd jansson libuv sqlite3 zlib libcrypto libdeflate libzip
CFLAGS_BASE = -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -I. -MMD -MP \
              $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm

RELEASE_CFLAGS = -O2 -g
ASAN_CFLAGS    = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
                 -fno-sanitize-recover=undefined -DAWSEMU_DEBUG

SERVER_SRCS = server/buf.c server/awserr.c server/log.c server/config.c server/req.c server/writeq.c \
              server/http.c server/route.c server/awsjson.c server/sigv4.c server/engine.c \
              server/admin.c server/dynamodb_err.c server/dynamodb_value.c server/dynamodb.c \
              server/ids.c server/dynamodb_table.c server/dynamodb_item.c server/dynamodb_query.c \
              server/dynamodb_batch.c \
              server/dynamodb_number.c server/dynamodb_expr.c server/dynamodb_expr_parse.c \
              server/dynamodb_expr_legacy.c server/emuclock.c server/dynamodb_stream.c \
              server/streams.c server/lambda.c server/lambda_err.c server/lambda_function.c \
              server/lambda_policy.c server/lambda_invoke.c server/lambda_esm.c \
              server/events_pattern.c
STORAGE_SRCS = storage/db.c storage/tables.c storage/items.c storage/streams.c storage/asyncq.c \
               storage/functions.c storage/mappings.c
HANDLERS_SRCS = handlers/pool.c handlers/runtime_api.c handlers/invoke.c handlers/package.c handlers/esm.c \
                handlers/ledger.c handlers/settle.c
LIB_SRCS  = $(SERVER_SRCS) $(HANDLERS_SRCS) $(STORAGE_SRCS)
MAIN_SRC  = server/main.c
UNIT_SRCS = tests/unit/test_sigv4.c tests/unit/test_route.c tests/unit/test_dynamodb_value.c \
            tests/unit/test_dynamodb_expr.c tests/unit/test_dynamodb_number.c \
            tests/unit/test_streams.c tests/unit/test_events_pattern.c

REL_DIR  = build/release
ASAN_DIR = build/asan

REL_OBJS  = $(LIB_SRCS:%.c=$(REL_DIR)/%.o)
ASAN_OBJS = $(LIB_SRCS:%.c=$(ASAN_DIR)/%.o)
UNIT_BINS = $(UNIT_SRCS:tests/unit/%.c=$(ASAN_DIR)/tests/%)

.PHONY: all run test unit integration deps test-deps asan clean format bench fuzz fuzz-replay fuzz-ci

# Fuzz harnesses (clang libFuzzer): `make fuzz` explores for FUZZ_SECONDS each; `make test`
# replays the stored corpora so every input ever found stays a regression test.
FUZZ_SRCS    = tests/fuzz/fuzz_dynamodb_expr.c tests/fuzz/fuzz_dynamodb_request.c \
               tests/fuzz/fuzz_events_pattern.c tests/fuzz/fuzz_lambda_request.c \
               tests/fuzz/fuzz_awsjson.c
FUZZ_BINS    = $(FUZZ_SRCS:tests/fuzz/%.c=build/fuzz/%)
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS  = -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I.
FUZZ_LIB_SRCS = server/dynamodb_expr.c server/dynamodb_expr_parse.c server/dynamodb_expr_legacy.c \
                server/dynamodb_number.c server/dynamodb_value.c server/buf.c server/awserr.c \
                server/dynamodb_err.c

# `all`, `run` and `test` install missing packages first, then build in a second make
# process, so pkg-config's flags are read after the packages exist (a fresh machine).
all: deps
	@$(MAKE) --no-print-directory build/awsemu

build/awsemu: $(REL_OBJS) $(REL_DIR)/server/main.o | build/awsemu-launch
	$(CC) $(RELEASE_CFLAGS) -o $@ $^ $(LDLIBS)

# The first process of every Lambda handler instance (see handlers/launch.c), found next to
# the server binary. libc only, no sanitizers: it must start fast and stay small.
build/awsemu-launch build/asan/awsemu-launch: handlers/launch.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -O2 -o $@ $<

$(REL_DIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(RELEASE_CFLAGS) -c -o $@ $<

asan: build/asan/awsemu $(UNIT_BINS)

build/asan/awsemu: $(ASAN_OBJS) $(ASAN_DIR)/server/main.o | build/asan/awsemu-launch
	$(CC) $(ASAN_CFLAGS) -o $@ $^ $(LDLIBS)

$(ASAN_DIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(ASAN_CFLAGS) -c -o $@ $<

$(ASAN_DIR)/tests/%: tests/unit/%.c $(ASAN_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(ASAN_CFLAGS) -o $@ $< $(ASAN_OBJS) $(LDLIBS) -lcmocka

run: all
	./build/awsemu --log-level info

deps:
	@./scripts/deps.sh build

test-deps:
	@./scripts/deps.sh test

unit: $(UNIT_BINS)
	@./scripts/run-unit.sh $(UNIT_BINS)

integration: build/awsemu build/asan/awsemu | test-deps
	@./scripts/run-integration.sh

build/fuzz/fuzz_dynamodb_expr: tests/fuzz/fuzz_dynamodb_expr.c $(FUZZ_LIB_SRCS)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_LIB_SRCS) -ljansson -lcrypto -lm

# The request harness links the whole server library (everything but main).
build/fuzz/fuzz_dynamodb_request build/fuzz/fuzz_lambda_request: build/fuzz/%: tests/fuzz/%.c $(LIB_SRCS)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $< $(LIB_SRCS) $(LDLIBS)

AWSJSON_FUZZ_SRCS = server/awsjson.c server/awserr.c server/buf.c server/req.c
build/fuzz/fuzz_awsjson: tests/fuzz/fuzz_awsjson.c $(AWSJSON_FUZZ_SRCS)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $< $(AWSJSON_FUZZ_SRCS) -ljansson -ldeflate -lm

EVENTS_PATTERN_FUZZ_SRCS = server/events_pattern.c server/awserr.c server/buf.c
build/fuzz/fuzz_events_pattern: tests/fuzz/fuzz_events_pattern.c $(EVENTS_PATTERN_FUZZ_SRCS)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $< $(EVENTS_PATTERN_FUZZ_SRCS) -ljansson -lm

fuzz: $(FUZZ_BINS)
	@for f in $(FUZZ_BINS); do n=$$(basename $$f); n=$${n#fuzz_}; \
	    $$f -max_total_time=$(FUZZ_SECONDS) tests/fuzz/corpus/$$n || exit 1; done

# A bounded exploration for CI: new inputs go to a scratch corpus (the stored one is read
# only), crashes to build/fuzz/.
FUZZ_CI_SECONDS ?= 10
fuzz-ci: $(FUZZ_BINS)
	@for f in $(FUZZ_BINS); do n=$$(basename $$f); n=$${n#fuzz_}; rm -rf build/fuzz/scratch-$$n; \
	    mkdir -p build/fuzz/scratch-$$n; \
	    $$f -max_total_time=$(FUZZ_CI_SECONDS) -artifact_prefix=build/fuzz/ \
	        build/fuzz/scratch-$$n tests/fuzz/corpus/$$n > build/fuzz/$$n.log 2>&1 \
	        || { tail -40 build/fuzz/$$n.log; echo "fuzz: $$n found a crash"; exit 1; }; \
	    echo "fuzz: $$n: $$(grep -o 'Done [0-9]* runs in [0-9]* second' build/fuzz/$$n.log), no crash"; done

fuzz-replay: $(FUZZ_BINS)
	@for f in $(FUZZ_BINS); do n=$$(basename $$f); n=$${n#fuzz_}; \
	    $$f -runs=0 tests/fuzz/corpus/$$n 2>/dev/null || { echo "fuzz replay failed: $$f"; exit 1; }; \
	    echo "fuzz replay: $$n ok"; done

test: test-deps
	@$(MAKE) --no-print-directory all asan
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory fuzz-replay
	@$(MAKE) --no-print-directory fuzz-ci
	@$(MAKE) --no-print-directory integration

bench: all
	@./bench/run.sh

format:
	clang-format -i $(LIB_SRCS) $(MAIN_SRC) server/*.h storage/*.h handlers/*.h $(UNIT_SRCS)

clean:
	rm -rf build

-include $(REL_OBJS:.o=.d) $(ASAN_OBJS:.o=.d) $(REL_DIR)/server/main.d $(ASAN_DIR)/server/main.d
