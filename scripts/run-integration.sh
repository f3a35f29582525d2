#!/usr/bin/env bash
# Runs the integration suite (tests/integration) against both server builds: pytest with
# Debian's python3 (boto3 1.26), again with the pyenv python3 on PATH when it is a different
# interpreter with a newer boto3, and the AWS SDK for JavaScript v3 tests with `node --test`.
# Every runner runs even when an earlier one fails; the exit status is non-zero if any failed.
# Usage (from the repo root, after `make all asan`): scripts/run-integration.sh
set -euo pipefail
cd "$(dirname "$0")/.."

export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export PYTHONDONTWRITEBYTECODE=1

bins=(build/asan/awsemu build/awsemu)
for bin in "${bins[@]}"; do
    [ -x "$bin" ] || { echo "run-integration: $bin is missing (run: make all asan)" >&2; exit 1; }
done

failed=()
run() {  # run NAME CMD...: runs CMD, records NAME if it fails
    local name=$1
    shift
    echo "=== $name" >&2
    if "$@"; then
        echo "=== $name: ok" >&2
    else
        echo "=== $name: FAILED (exit $?)" >&2
        failed+=("$name")
    fi
}

pytest_args=(-q -p no:cacheprovider tests/integration)
# Files whose outcome does not depend on the server build or on the Python running pytest run
# once, in the first (ASan) pass: the runtime bootstraps' own tests need no server, and the
# AWS CLI tests (the slowest: a CLI start costs ~0.5 s) exercise the same wire protocol in
# either build and drive the CLI binaries (v1 on PATH, v2 in /usr/bin), whatever boto3
# pytest imports.
once=(--ignore=tests/integration/test_runtime_bootstraps.py)
cli_tests=(--ignore-glob='*/test_cli*.py' --ignore=tests/integration/test_scenario_welcome.py)
first=1
for bin in "${bins[@]}"; do
    extra=()
    [ $first -eq 1 ] || extra=("${once[@]}" "${cli_tests[@]}")
    first=0
    run "pytest (Debian python3) $bin" env AWSEMU_BIN="$bin" /usr/bin/python3 -m pytest "${pytest_args[@]}" "${extra[@]}"
done

# The pyenv interpreter has a newer boto3 but no pytest: borrow Debian's.
pyenv_python=$(command -v python3 || true)
if [ -n "$pyenv_python" ] &&
   [ "$("$pyenv_python" -c 'import sys; print(sys.executable)')" != "$(/usr/bin/python3 -c 'import sys; print(sys.executable)')" ] &&
   "$pyenv_python" -c 'import boto3' 2>/dev/null; then
    boto_new=$("$pyenv_python" -c 'import boto3; print(boto3.__version__)')
    boto_old=$(/usr/bin/python3 -c 'import boto3; print(boto3.__version__)')
    if [ "$boto_new" != "$boto_old" ]; then
        pytest_list=$(printf "'%s'," "${pytest_args[@]}" "${once[@]}" "${cli_tests[@]}")
        run "pytest ($pyenv_python, boto3 $boto_new) build/asan/awsemu" \
            env AWSEMU_BIN=build/asan/awsemu "$pyenv_python" -c \
            "import sys; sys.path.append('/usr/lib/python3/dist-packages'); import pytest; sys.exit(pytest.main([$pytest_list]))"
    fi
fi

js=tests/integration/js
if [ ! -f "$js/node_modules/.package-lock.json" ] ||
   [ "$js/package-lock.json" -nt "$js/node_modules/.package-lock.json" ] ||
   [ "$js/package.json" -nt "$js/node_modules/.package-lock.json" ]; then
    echo "=== npm ci ($js)" >&2
    (cd "$js" && npm ci --no-audit --no-fund) >&2 || failed+=("npm ci")
fi
if [ -d "$js/node_modules" ]; then
    for bin in "${bins[@]}"; do
        run "node --test $bin" env AWSEMU_BIN="$bin" sh -c "cd $js && node --test"
    done
fi

if [ ${#failed[@]} -ne 0 ]; then
    printf 'run-integration: FAILED: %s\n' "${failed[@]}" >&2
    exit 1
fi
echo "run-integration: all runners passed" >&2
