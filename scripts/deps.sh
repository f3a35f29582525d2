#!/usr/bin/env bash
# Installs the Debian packages awsemu needs: `deps.sh build` for compiling it, `deps.sh test`
# for building and running every test. As root it runs apt-get itself; otherwise it prints the
# exact command to run and fails.
set -euo pipefail

build_pkgs=(build-essential pkg-config libmicrohttpd-dev libjansson-dev libuv1-dev libsqlite3-dev
            zlib1g-dev libssl-dev libdeflate-dev libzip-dev)
test_pkgs=(libcmocka-dev python3-pytest python3-boto3 awscli nodejs npm clang)

want=("${build_pkgs[@]}")
[ "${1:-build}" = test ] && want+=("${test_pkgs[@]}")

missing=()
for p in "${want[@]}"; do
    # nodejs/npm may come from outside Debian (e.g. NodeSource or nvm): a working binary counts.
    case $p in
        nodejs) command -v node >/dev/null && continue ;;
        npm) command -v npm >/dev/null && continue ;;
    esac
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
    echo "awsemu: missing Debian packages: ${missing[*]}" >&2
    echo "awsemu: run as root:  apt-get update && $cmd" >&2
    exit 1
fi
echo "awsemu: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
$cmd >&2
