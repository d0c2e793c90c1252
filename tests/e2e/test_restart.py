"""`make run` keeps the local stage's data across a restart (localstage.local_state), sealed, even
when stopped as a terminal's Ctrl-C stops it (SIGINT to its whole process group), and `make
reset`'s folder removal starts it clean. Its emulator and fake authority never outlive it."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time

import devset
import requests
from support import REPO, free_port, start_local_stack, unique_id_number, unique_phone
from test_stack import PASSWORD, register_body, sms_code


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


class Stack:
    def __init__(self, base_url: str):
        self.base_url = base_url

    def post(self, path, body=None, token=None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = requests.post(self.base_url + path, json=body or {}, headers=headers, timeout=180)
        return response.status_code, response.json() if response.content else None

    def get(self, path, token=None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = requests.get(self.base_url + path, headers=headers, timeout=30)
        return response.status_code, response.json() if response.content else None


class Restartable:
    """One `python -m localstage.devstack` at a time on fixed ports, with its own state folder."""

    def __init__(self, folder):
        self.folder = folder
        self.state_file = folder / "devstack.json"
        self.api_port = free_port()
        env = {key: value for key, value in os.environ.items() if not key.startswith("PC_")}
        self.emulator_port = free_port()
        self.master_key = folder / "kms" / "local-kms.key"
        # No periodic snapshot during the test: whatever survives a stop, the stop's snapshot saved.
        env.update(PC_API_PORT=str(self.api_port), PC_EMULATOR_PORT=str(self.emulator_port),
                   PC_ADMIN_PORT=str(free_port()), PC_DEVSTACK_STATE=str(self.state_file),
                   PC_LOCAL_KMS_KEY_FILE=str(self.master_key), PC_LOCAL_SNAPSHOT_INTERVAL_SECONDS="3600")
        self.env = env
        self.process = None

    def start(self) -> Stack:
        # A process group of its own, as a terminal's foreground job: stop() signals all of it.
        # Started with SIGINT ignored, as a shell's background job or a test runner may start it:
        # make run must still take Ctrl-C as a stop (it did not, and exited 1 in full runs).
        self.process = start_local_stack(
            self.env, self.state_file, f"http://127.0.0.1:{self.api_port}", 120,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
        return Stack(f"http://127.0.0.1:{self.api_port}")

    def stop(self) -> str:
        """Ctrl-C: SIGINT to the whole process group (make run, the API, the admin); make run exits 0
        after its last snapshot and stops its emulator."""
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            output, _ = self.process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            output, _ = self.process.communicate()
        assert self.process.returncode == 0, output
        assert not listening(self.emulator_port), "the emulator outlived make run"
        return output


# The demo pensioner the banner names: registry photo = the dev set's p04, card PIN from the banner.
DEMO_CARD = {"id_number": "610103195207080126", "card_password": "246810"}


def test_an_account_and_a_certification_survive_a_restart_and_reset_clears_them(tmp_path):
    stack_runner = Restartable(tmp_path)
    stack = stack_runner.start()
    try:
        phone = unique_phone()
        code = sms_code(stack, phone)
        status, _ = stack.post("/auth/register", register_body(phone, code, unique_id_number()))
        assert status == 201
        status, body = stack.post("/auth/card-login", DEMO_CARD)
        assert status == 200, body
        token = body["token"]
        session = devset.answerable_session(lambda: stack.post("/certify/sessions", {"subject": "self"}, token)[1])
        status, body = stack.post(f"/certify/sessions/{session['session_id']}/complete",
                                  {"steps": devset.answer(session["challenges"], "p04")}, token)
        assert (status, body["result"]) == (200, "passed"), body
    finally:
        stack_runner.stop()
    kept = [path for path in (tmp_path / "localstate").rglob("*") if path.is_file()]
    assert (tmp_path / "localstate" / "snapshot.sealed") in kept
    for path in kept:  # sealed: no name, ID number or phone, no JPEG; 0600 in 0700 folders
        data = path.read_bytes()
        assert not [needle for needle in ("李秀英", DEMO_CARD["id_number"], phone) if needle.encode() in data], path
        assert not data.startswith(b"\xff\xd8\xff"), path
        assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(stack_runner.master_key.stat().st_mode) == 0o600

    stack = stack_runner.start()
    try:
        status, body = stack.post("/auth/login", {"phone": phone, "password": PASSWORD})
        assert status == 200, body
        assert body["user"]["name"] == "李秀英"
        status, body = stack.post("/auth/card-login", DEMO_CARD)
        assert status == 200, body
        status, status_body = stack.get("/query/status?subject=self", body["token"])
        assert status == 200 and status_body["certified"] is True, status_body
        status, history = stack.get("/query/certifications?subject=self", body["token"])
        assert [item["method"] for item in history["items"]] == ["app"]
        status, again = stack.post("/certify/sessions", {"subject": "self"}, body["token"])
        assert (status, again["error"]["reason"]) == (409, "ALREADY_CERTIFIED")
    finally:
        stack_runner.stop()

    shutil.rmtree(tmp_path / "localstate")  # what `make reset` removes
    stack = stack_runner.start()
    try:
        status, body = stack.post("/auth/login", {"phone": phone, "password": PASSWORD})
        assert status == 401 and body["error"]["code"] == "LOGIN_FAILED"
    finally:
        stack_runner.stop()


ORPHAN_PARENT = """
import sys, time
from localstage import devstack
emulator, authority = devstack.start_emulator(int(sys.argv[1])), devstack.FakeAuthority(int(sys.argv[2]))
devstack.wait_for_port(emulator.port)
devstack.wait_for_port(authority.port)
print("up", flush=True)
time.sleep(600)
"""


def test_the_emulator_and_the_authority_end_when_make_run_is_killed():
    """Started in sessions of their own (a Ctrl-C must leave the emulator up for the last snapshot),
    they watch their parent instead: SIGKILL make run and nothing keeps their ports."""
    ports = free_port(), free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("PC_")}
    env.update(PC_STAGE="local", PC_IDENTITY_AUTHORITY_KEY="k" * 43)
    parent = subprocess.Popen([sys.executable, "-c", ORPHAN_PARENT, *map(str, ports)], cwd=REPO, env=env,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout.readline().strip() == "up"
        assert all(listening(port) for port in ports)
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 20
    while any(listening(port) for port in ports) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(listening(port) for port in ports), "an orphan still listens"
