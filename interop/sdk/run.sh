#!/usr/bin/env bash
# Interop with VMware's official Python bindings (issue 14): builds the mock, starts it over
# HTTPS on a free loopback port, and drives its JSON-RPC face with the pinned PyPI packages of
# requirements.txt (test_sdk.py). The virtualenv is cached in .venv-interop/sdk and rebuilt when
# requirements.txt changes. Any setup problem is a failure (exit 1), never a skip.
set -euo pipefail
cd "$(dirname "$0")/../.."

fail() {
    echo "interop/sdk: $*" >&2
    exit 1
}

py=${PYTHON:-python3}
venv=.venv-interop/sdk
req=interop/sdk/requirements.txt
command -v "$py" >/dev/null 2>&1 || fail "$py is not installed"
command -v cargo >/dev/null 2>&1 || fail "cargo is not installed"

# The virtualenv, keyed by the requirements file's hash.
want=$(sha256sum "$req" | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/.requirements.sha256" 2>/dev/null)" != "$want" ]; then
    rm -rf "$venv"
    mkdir -p "$(dirname "$venv")"
    "$py" -m venv "$venv" || fail "cannot create a virtualenv with $py (is the venv module installed?)"
    "$venv/bin/python" -m pip install --disable-pip-version-check --quiet --requirement "$req" \
        || fail "cannot install $req from PyPI"
    echo "$want" > "$venv/.requirements.sha256"
fi
"$venv/bin/python" -c "import com.vmware.snapservice.clusters_client, vmware.vapi.lib.connect" \
    || fail "the bindings in $venv do not import"

cargo build --release --locked --bin snapservice-conformance || fail "cannot build the mock"
bin="${CARGO_TARGET_DIR:-target}/release/snapservice-conformance"

tmp=$(mktemp -d)
pid=
cleanup() {
    if [ -n "$pid" ]; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

"$bin" mock --listen 127.0.0.1:0 --fixture fixtures/default.toml --cert-out "$tmp/ca.pem" \
    >"$tmp/stdout" 2>"$tmp/stderr" &
pid=$!
# Line 1 of stdout is the base URL; the "mock serving" line on stderr comes after the
# certificate is written.
for _ in $(seq 1 200); do
    grep -q "mock serving" "$tmp/stderr" 2>/dev/null && break
    if ! kill -0 "$pid" 2>/dev/null; then
        cat "$tmp/stderr" >&2
        fail "the mock exited before serving"
    fi
    sleep 0.05
done
grep -q "mock serving" "$tmp/stderr" || fail "the mock did not start within 10 s"
url=$(head -n 1 "$tmp/stdout")
case "$url" in
    https://127.0.0.1:*) ;;
    *) fail "unexpected base URL on the mock's stdout: $url" ;;
esac
[ -s "$tmp/ca.pem" ] || fail "the mock wrote no certificate"

echo "interop/sdk: driving $url with $("$venv/bin/python" -m pip freeze | grep -c vmware) pinned vmware packages"
MOCK_URL="$url" MOCK_CA="$tmp/ca.pem" "$venv/bin/python" interop/sdk/test_sdk.py
