#!/usr/bin/env bash
# Runs each unit-test binary in its own process under a timeout, so a crash names its test,
# with the sanitizers set to fail on any report. Prints one summary line.
set -uo pipefail
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
passed=0 failed=0 names=()
for bin in "$@"; do
    if timeout 120 "$bin"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        names+=("$(basename "$bin")")
    fi
done
echo "unit: $passed passed, $failed failed${names:+ (${names[*]})}"
[ "$failed" -eq 0 ]
