"""Interop: pyvmomi's STS client against the mock's vCenter STS, and its token on the mock's
snapservice listener.

Usage: test_sts.py SNAPSERVICE_URL VCENTER_URL FIXTURE

Gets a bearer SAML assertion with pyVim.sso.SsoAuthenticator.get_bearer_saml_assertion (the
request VMware's client builds, its HTTPS connection, its fault handling), restores the
fixture's deleted VM with it as `Authorization: SIGN token="<base64 of the gzip>"`, follows the
snapservice task to SUCCEEDED, and checks that a wrong password raises pyvmomi's SoapException.
Never prints the assertion or a password.
"""

import base64
import gzip
import json
import ssl
import sys
import time
import tomllib
import urllib.error
import urllib.request

from pyVim import sso

ADMIN = "administrator@vsphere.local"
CLUSTER, VM, SNAPSHOT = "domain-c8", "vm-42", "snap-42-b"
SAML2 = "urn:oasis:names:tc:SAML:2.0:assertion"


def fail(message):
    print(f"interop/pyvmomi: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def password_of(fixture, name):
    with open(fixture, "rb") as f:
        world = tomllib.load(f)
    for p in world.get("principal", []):
        if p.get("name") == name and "password" in p:
            return p["password"]
    fail(f"{fixture} has no password for {name}")


def call(ctx, method, url, headers, body=None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def main():
    if len(sys.argv) != 4:
        fail(__doc__)
    snap, vcenter, fixture = sys.argv[1:]
    password = password_of(fixture, ADMIN)
    # The mock's certificate is self-signed; pyvmomi takes an unverified context for that.
    ctx = ssl._create_unverified_context()
    sts = sso.SsoAuthenticator(f"{vcenter}/sts/STSService/vsphere.local")

    assertion = sts.get_bearer_saml_assertion(
        ADMIN, password, token_duration=600, ssl_context=ctx
    )
    if not isinstance(assertion, str) or SAML2 not in assertion or ADMIN not in assertion:
        fail("get_bearer_saml_assertion did not return a SAML 2.0 assertion for the admin")
    print(f"ok: pyvmomi got a bearer assertion ({len(assertion)} characters) from {vcenter}")

    token = base64.b64encode(gzip.compress(assertion.encode("utf-8"))).decode("ascii")
    quoted = {"Authorization": f'SIGN token="{token}"'}
    unquoted = {"Authorization": f"SIGN token={token}"}
    body = json.dumps({"snapshot": SNAPSHOT, "name": "pyvmomi-interop"}).encode()
    url = (
        f"{snap}/api/snapservice/clusters/{CLUSTER}/virtual-machines/{VM}"
        "?action=restore&vmw-task=true"
    )
    status, task = call(
        ctx, "POST", url, {**quoted, "Content-Type": "application/json"}, body
    )
    if status != 202 or not isinstance(task, str):
        fail(f"restore with the token: HTTP {status}, expected 202 and a task id: {task}")
    print(f"ok: restore with the token on {snap}: 202")

    deadline = time.monotonic() + 30
    info = None
    while time.monotonic() < deadline:
        status, info = call(ctx, "GET", f"{snap}/api/snapservice/tasks/{task}", unquoted)
        if status != 200:
            fail(f"task poll with the unquoted token: HTTP {status}: {info}")
        if info.get("status") in ("SUCCEEDED", "FAILED"):
            break
        time.sleep(0.05)
    if not info or info.get("status") != "SUCCEEDED":
        fail(f"the restore task did not succeed: {info}")
    print(f"ok: task SUCCEEDED, restored VM {info.get('result')}")

    # The token works only on the snapservice listener; without it, 401.
    status, _ = call(ctx, "POST", url, {"Content-Type": "application/json"}, body)
    if status != 401:
        fail(f"restore without a token: HTTP {status}, expected 401")

    try:
        sts.get_bearer_saml_assertion(ADMIN, password + "-wrong", ssl_context=ctx)
    except sso.SoapException as e:
        if "FailedAuthentication" not in str(e._fault_code):
            fail(f"wrong password: fault code {e._fault_code!r}, expected FailedAuthentication")
        print(f"ok: a wrong password raises SoapException ({e._fault_code})")
    else:
        fail("a wrong password returned an assertion")


if __name__ == "__main__":
    main()
