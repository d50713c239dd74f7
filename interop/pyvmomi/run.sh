#!/usr/bin/env bash
# Interop with VMware's own STS client: pyvmomi (pinned in requirements.txt, installed from
# PyPI into a cached virtualenv at .venv-interop/) gets a bearer token from `mock --split`'s
# vCenter STS over HTTPS, and the snapservice listener accepts it for a restore.
#
# Fails (non-zero) whenever Python, venv or pip cannot be set up: it never skips.
# SNAPCONF_PROFILE picks the cargo profile of the binary (release under CI=true, where the
# tests already built it; debug otherwise).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$root/.venv-interop"
req="$here/requirements.txt"
python="${PYTHON:-python3}"

fail() {
    echo "interop/pyvmomi: $*" >&2
    exit 1
}

command -v "$python" >/dev/null 2>&1 || fail "$python not found: Python 3.11+ with venv and pip is required"
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
    fail "$("$python" --version 2>&1) is too old: Python 3.11+ is required (tomllib)"

# The virtualenv is rebuilt whenever requirements.txt changes.
want="$(sha256sum "$req" | cut -d' ' -f1)"
stamp="$venv/.requirements.sha256"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
    echo "interop/pyvmomi: creating $venv"
    rm -rf "$venv"
    "$python" -m venv "$venv" || fail "cannot create a virtualenv with $python -m venv"
    "$venv/bin/python" -m pip install --disable-pip-version-check --no-input --quiet -r "$req" ||
        fail "pip cannot install $req"
    echo "$want" >"$stamp"
fi
"$venv/bin/python" -c 'import pyVim.sso, lxml, cryptography' ||
    fail "the virtualenv at $venv lacks pyvmomi's sso dependencies"

default_profile=debug
if [ "${CI:-}" = true ]; then
    default_profile=release
fi
profile="${SNAPCONF_PROFILE:-$default_profile}"
if [ "$profile" = release ]; then
    (cd "$root" && cargo build --locked --release --bin snapservice-conformance) || fail "cargo build failed"
else
    (cd "$root" && cargo build --locked --bin snapservice-conformance) || fail "cargo build failed"
fi
bin="${CARGO_TARGET_DIR:-$root/target}/$profile/snapservice-conformance"
[ -x "$bin" ] || fail "no binary at $bin"

work="$(mktemp -d)"
mock_pid=""
cleanup() {
    if [ -n "$mock_pid" ]; then
        kill "$mock_pid" 2>/dev/null || true
        wait "$mock_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

fixture="$root/fixtures/default.toml"
"$bin" mock --split --listen 127.0.0.1:0 --fixture "$fixture" >"$work/urls" 2>"$work/stderr" &
mock_pid=$!
for _ in $(seq 1 200); do
    if [ "$(wc -l <"$work/urls")" -ge 2 ]; then
        break
    fi
    kill -0 "$mock_pid" 2>/dev/null || fail "the mock exited: $(cat "$work/stderr")"
    sleep 0.05
done
[ "$(wc -l <"$work/urls")" -ge 2 ] || fail "the mock did not print its two base URLs"
snapservice="$(sed -n 1p "$work/urls")"
vcenter="$(sed -n 2p "$work/urls")"
case "$snapservice $vcenter" in
https://127.0.0.1:*" "https://127.0.0.1:*) ;;
*) fail "unexpected base URLs: $snapservice $vcenter" ;;
esac
[ "$snapservice" != "$vcenter" ] || fail "split listeners share one URL: $snapservice"

"$venv/bin/python" "$here/test_sts.py" "$snapservice" "$vcenter" "$fixture"
echo "interop/pyvmomi: passed"
