"""Drives the mock's JSON-RPC face with VMware's official Python bindings.

Run by run.sh with MOCK_URL (the mock's base URL) and MOCK_CA (its certificate) set. Every
check is made through the bindings' own classes, so what passes here is what a backup tool
built on the SDK sees: the wire the bindings send, the typed answers they decode (struct
names, OPTIONAL wrapping, the task Info field table), and the exception class they raise for
each error. Exits non-zero on the first failure.
"""

import os
import sys
import time

import requests

from com.vmware.cis_client import Session
from com.vmware.snapservice.clusters.virtual_machines_client import Snapshots
from com.vmware.snapservice.clusters_client import VirtualMachines
from com.vmware.snapservice_client import Sessions as SnapSessions
from com.vmware.snapservice_client import Tasks as SnapTasks
from com.vmware.vapi.std import errors_client as errors
from vmware.vapi.lib.connect import get_requests_connector
from vmware.vapi.security.session import create_session_security_context
from vmware.vapi.security.user_password import create_user_password_security_context
from vmware.vapi.stdlib.client.factories import StubConfigurationFactory

BASE = os.environ["MOCK_URL"].rstrip("/")
CA = os.environ["MOCK_CA"]

ADMIN = ("administrator@vsphere.local", "Adm1n!mock-only")
READONLY = ("readonly@vsphere.local", "Read0nly!mock-only")
CLUSTER = "domain-c8"


def http_session():
    """HTTPS trusting exactly the mock's certificate. trust_env is off: requests would
    otherwise replace `verify` with REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE from the environment
    (and route loopback through a proxy from it)."""
    http = requests.Session()
    http.trust_env = False
    http.verify = CA
    return http


def config(security_context, path="/api"):
    """A stub configuration on the mock's JSON-RPC endpoint with these credentials."""
    http = http_session()
    connector = get_requests_connector(session=http, url=BASE + path)
    connector.set_security_context(security_context)
    return StubConfigurationFactory.new_std_configuration(connector)


def login(who, path="/api"):
    """A session id from com.vmware.cis.session create (user_pass security context)."""
    cfg = config(create_user_password_security_context(*who), path)
    session_id = Session(cfg).create()
    check(isinstance(session_id, str) and session_id, "session create gives a session id")
    return session_id


def session_config(session_id, path="/api"):
    return config(create_session_security_context(session_id), path)


def control(method, path):
    """The mock's loopback control plane (not part of the API under test)."""
    r = http_session().request(method, BASE + path, timeout=10)
    check(r.status_code == 204, f"control {method} {path} -> {r.status_code}")


def check(condition, what):
    if not condition:
        print(f"FAIL: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


def spec(snapshot, name=None, folder=None):
    placement = None
    if folder is not None:
        placement = VirtualMachines.RestorePlacementSpec(folder=folder)
    return VirtualMachines.RestoreSpec(snapshot=snapshot, name=name, placement=placement)


def expect_error(cls, error_type, call, what):
    """`call` must raise exactly the bindings' `cls`, with this error_type and a message."""
    try:
        call()
    except errors.Error as e:
        check(type(e) is cls, f"{what}: raises {cls.__name__} (got {type(e).__name__}: {e})")
        check(e.error_type == error_type, f"{what}: error_type {error_type} (got {e.error_type})")
        check(e.messages and e.messages[0].id and e.messages[0].default_message,
              f"{what}: a LocalizableMessage with id and text")
        return
    check(False, f"{what}: raises {cls.__name__}")


def wait(task, seconds=10):
    """Polls the bindings' Task helper (com.vmware.cis.tasks get) until the task ends."""
    deadline = time.monotonic() + seconds
    while True:
        info = task.get_info()
        if info.status in ("SUCCEEDED", "FAILED") or time.monotonic() > deadline:
            return info
        time.sleep(0.02)


def main():
    session_id = login(ADMIN)
    cfg = session_config(session_id)
    vms = VirtualMachines(cfg)

    # Discovery: a deleted VM (in_cluster false) and one of its snapshots.
    listed = vms.list(CLUSTER)
    deleted = [item.vm for item in listed.items if not item.info.in_cluster]
    check("vm-42" in deleted, f"list finds the deleted vm-42 (deleted: {deleted})")
    snaps = Snapshots(cfg).list(CLUSTER, "vm-42").items
    check([s.snapshot for s in snaps] == ["snap-42-a", "snap-42-b"], "its snapshots are listed")
    snap = Snapshots(cfg).get(CLUSTER, "vm-42", "snap-42-b")
    check(snap.vm == "vm-42" and snap.snapshot_type == "SCHEDULED", "a snapshot reads back")

    # Restore it and follow the task to the restored VM.
    task = vms.restore_task(CLUSTER, "vm-42", spec("snap-42-b", name="sdk-restored", folder="group-v4"))
    task_id = task.get_task_id()
    check(isinstance(task_id, str) and task_id, f"restore_task gives a task ({task_id})")
    info = wait(task)
    check(info.status == "SUCCEEDED", f"the task succeeds (status {info.status})")
    check(info.progress is not None and info.start_time and info.end_time, "SUCCEEDED has progress and times")
    restored = task.get_result()
    check(isinstance(restored, str) and restored.startswith("vm-"), f"the result is the restored VM ({restored})")
    snap_info = SnapTasks(cfg).get(task_id)
    check(snap_info.status == "SUCCEEDED", "com.vmware.snapservice.tasks get reads the same task")

    # The same through the 9.0 endpoint and the 9.0 session service.
    snap_session = SnapSessions(config(create_user_password_security_context(*ADMIN), "/snapservice")).create()
    info = SnapSessions(session_config(snap_session, "/snapservice")).get()
    check(info.user == ADMIN[0], "snapservice sessions work on /snapservice")

    # Each documented refusal, as the bindings' own exception class.
    expect_error(errors.NotFound, "NOT_FOUND",
                 lambda: vms.restore_task("domain-c999", "vm-42", spec("snap-42-b")), "unknown cluster")
    expect_error(errors.NotFound, "NOT_FOUND",
                 lambda: vms.restore_task(CLUSTER, "vm-999", spec("snap-42-b")), "unknown VM")
    expect_error(errors.InvalidArgument, "INVALID_ARGUMENT",
                 lambda: vms.restore_task(CLUSTER, "vm-42", spec("snap-nope")), "unknown snapshot")
    # A live VM is not a deleted one: the mock refuses it as an invalid argument (its choice;
    # restore-api.md leaves the error open).
    expect_error(errors.InvalidArgument, "INVALID_ARGUMENT",
                 lambda: vms.restore_task(CLUSTER, "vm-100", spec("snap-42-b")), "a live VM")
    expect_error(errors.AlreadyExists, "ALREADY_EXISTS",
                 lambda: vms.restore_task(CLUSTER, "vm-42", spec("snap-42-b", name="db-01")), "a taken name")
    expect_error(errors.Unauthenticated, "UNAUTHENTICATED",
                 lambda: VirtualMachines(session_config("not-a-session")).restore_task(
                     CLUSTER, "vm-42", spec("snap-42-b")), "an unknown session")
    expect_error(errors.Unauthenticated, "UNAUTHENTICATED",
                 lambda: Session(config(create_user_password_security_context(ADMIN[0], "wrong"))).create(),
                 "a wrong password")
    readonly = VirtualMachines(session_config(login(READONLY)))
    expect_error(errors.Unauthorized, "UNAUTHORIZED",
                 lambda: readonly.restore_task(CLUSTER, "vm-42", spec("snap-42-b")), "a read-only user")
    # The cluster allows 2 restores at once: with tasks held, the third is refused.
    control("POST", "/__mock/tasks/hold")
    try:
        vms.restore_task(CLUSTER, "vm-42", spec("snap-42-a", name="held-1"))
        vms.restore_task(CLUSTER, "vm-44", spec("snap-44-a"))
        expect_error(errors.NotAllowedInCurrentState, "NOT_ALLOWED_IN_CURRENT_STATE",
                     lambda: vms.restore_task(CLUSTER, "vm-43", spec("snap-43-a", name="held-3")),
                     "a restore over the cluster's limit")
    finally:
        control("POST", "/__mock/tasks/release")

    # Logging out ends the session.
    Session(cfg).delete()
    expect_error(errors.Unauthenticated, "UNAUTHENTICATED", lambda: Session(cfg).get(), "a logged-out session")
    print("interop: all checks passed")


if __name__ == "__main__":
    main()
