"""Local stacks for the reliability suites, the fuzzer and bench/load.py.

- ``LocalStack``: exactly what `make run` starts (``python -m localstage.devstack``) on free ports,
  with its own state file, so it never touches a developer's running stack.
- ``FaultStack``: a moto server of its own, a ``FaultProxy`` in front of it, and the API
  (``python -m localstage.local_api``) talking to AWS through the proxy only. The test process
  reads the raw tables straight from moto, past the proxy.

Everything listens on 127.0.0.1; every wait is bounded.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import devset
import requests
from support import free_port, start_local_stack

from localstage.devstack import stop_process

REPO = Path(__file__).resolve().parents[2]
DEMO_CARD_ID = "610103195207080126"  # 李秀英, activated card, real-name verified by card login
DEMO_CARD_PIN = "246810"
REGISTRY_HEADER = "id_number,name,region,unit,status,card_status,card_password,photo\n"
FACE = "p06"  # the dev-set person whose face the reliability suites' retirees have (tests/devset.py)


def _clean_env() -> dict:
    return {key: value for key, value in os.environ.items() if not key.startswith("PC_")}


class _StackClient:
    """HTTP and raw-AWS helpers shared by both kinds of stack."""

    base_url: str
    environment: dict
    aws_endpoint: str  # moto itself (never the proxy)

    # --- HTTP -------------------------------------------------------------------------------
    def request(self, method, path, body=None, token=None, raw=None, headers=None, timeout=60):
        sent = {"Authorization": f"Bearer {token}"} if token else {}
        sent.update(headers or {})
        if raw is not None:
            sent.setdefault("Content-Type", "application/json")
            response = requests.request(method, self.base_url + path, data=raw, headers=sent, timeout=timeout)
        elif method in ("GET", "DELETE"):
            response = requests.request(method, self.base_url + path, headers=sent, timeout=timeout)
        else:
            response = requests.request(method, self.base_url + path, json=body or {}, headers=sent,
                                        timeout=timeout)
        try:
            payload = response.json() if response.content else None
        except ValueError:
            payload = {"_not_json": response.text[:500]}
        return response.status_code, payload

    def post(self, path, body=None, token=None, **kwargs):
        return self.request("POST", path, body, token, **kwargs)

    def get(self, path, token=None, **kwargs):
        return self.request("GET", path, None, token, **kwargs)

    def delete(self, path, token=None, **kwargs):
        return self.request("DELETE", path, None, token, **kwargs)

    # --- journeys ----------------------------------------------------------------------------
    def card_login(self, id_number=DEMO_CARD_ID, pin=DEMO_CARD_PIN) -> str:
        status, body = self.post("/auth/card-login", {"id_number": id_number, "card_password": pin})
        assert status == 200, (status, body)
        return body["token"]

    def sms_code(self, phone: str, purpose: str = "register", token: str | None = None) -> str:
        status, captcha = self.post("/auth/captcha")
        assert status == 200, captcha
        status, body = self.post("/auth/sms-code", {
            "phone": phone, "captcha_id": captcha["captcha_id"],
            "captcha_answer": captcha["debug_answer"], "purpose": purpose})
        assert status == 202, (status, body)
        status, outbox = self.get(f"/dev/sms-outbox?phone={phone}")
        assert status == 200 and outbox["messages"], outbox
        return re.findall(r"(?<!\d)\d{6}(?!\d)", outbox["messages"][0]["text"])[0]

    def register(self, phone: str, id_number: str, name: str = "李秀英", password: str = "Shaanxi2026"):
        code = self.sms_code(phone)
        return self.post("/auth/register", {"phone": phone, "sms_code": code, "name": name,
                                            "id_number": id_number, "password": password,
                                            "password_confirm": password})

    # --- raw AWS (moto directly) ------------------------------------------------------------
    def _boto(self, service: str):
        import boto3

        kwargs = {}
        if service == "s3":
            from botocore.config import Config

            kwargs["config"] = Config(s3={"addressing_style": "path"})
        return boto3.client(service, region_name=self.environment["PC_AWS_REGION"],
                            endpoint_url=self.aws_endpoint, aws_access_key_id="local",
                            aws_secret_access_key="local", **kwargs)

    def dynamodb(self):
        return self._boto("dynamodb")

    def s3(self):
        return self._boto("s3")

    @property
    def table_prefix(self) -> str:
        return self.environment.get("PC_TABLE_PREFIX") or f"pc-{self.environment['PC_STAGE']}-"

    @property
    def bucket(self) -> str:
        return self.environment.get("PC_EVIDENCE_BUCKET") or f"pc-{self.environment['PC_STAGE']}-evidence"

    def table(self, base_name: str) -> str:
        return self.table_prefix + base_name

    def scan(self, base_name: str) -> list[dict]:
        client, items, start = self.dynamodb(), [], None
        for _ in range(1000):  # bounded pagination
            kwargs = {"TableName": self.table(base_name), "ConsistentRead": True}
            if start:
                kwargs["ExclusiveStartKey"] = start
            page = client.scan(**kwargs)
            items.extend(page["Items"])
            start = page.get("LastEvaluatedKey")
            if not start:
                break
        return items

    def stage_tables(self) -> list[str]:
        return [name for name in self.dynamodb().list_tables(Limit=100)["TableNames"]
                if name.startswith(self.table_prefix)]

    def vault(self):
        from pensioncert.pii import PiiVault

        return PiiVault(self.environment["PC_PII_KEY"])

    def token_secret(self) -> str:
        return self.environment["PC_TOKEN_SECRET"]

    # --- data the tests need ----------------------------------------------------------------
    def import_registry(self, rows: str, photos: Path | None = None, timeout: float = 180,
                        endpoint: str | None = None):
        """``make import`` against this stack (or through ``endpoint`` to its AWS): rows (without the
        header) in a CSV beside copies of the photos it names. Returns the import's report."""
        work = Path(tempfile.mkdtemp(prefix="pc-import-"))
        try:
            if photos is not None:
                for name in set(re.findall(r"[\w.-]+\.(?:jpg|png)", rows)):
                    shutil.copy(photos / name, work / name)
            csv = work / "registry.csv"
            csv.write_text(REGISTRY_HEADER + rows, encoding="utf-8")
            env = self.child_env()
            if endpoint is not None:
                env["PC_AWS_ENDPOINT_URL"] = endpoint
            result = subprocess.run([sys.executable, "-m", "pensioncert.registry_import", str(csv)],
                                    cwd=REPO, env=env, capture_output=True, text=True,
                                    timeout=timeout)
            return json.loads(result.stdout) if result.stdout.strip() else {"stderr": result.stderr}
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def child_env(self) -> dict:
        env = _clean_env()
        env.update(self.environment)
        env["PC_AWS_ENDPOINT_URL"] = self.aws_endpoint
        return env

    def open_session(self, token: str, subject: str = "self") -> dict:
        """``POST /certify/sessions``: a session whose drawn challenges the dev set answers with distinct
        moments (devset.answerable_session)."""
        def open_once() -> dict:
            status, body = self.post("/certify/sessions", {"subject": subject}, token)
            assert status == 201, (status, body)
            return body

        return devset.answerable_session(open_once)


def user_id_of(token: str) -> str:
    import jwt

    return jwt.decode(token, options={"verify_signature": False})["sub"]


def genuine_steps(session: dict, person: str = FACE) -> list[dict]:
    """The session's drawn challenges answered with the person's labelled real steps."""
    return devset.answer(session["challenges"], person)


def new_retiree(rstack, *, name="周国庆", face=FACE, pin="135791", year=1948) -> dict:
    """A card holder imported with the dev-set person's reference photo as registry photo (embedded
    at import), logged in by card."""
    from support import unique_id_number

    person = unique_id_number(year)
    report = rstack.import_registry(
        f"{person},{name},西安市,新城区机关事务中心,recipient,activated,{pin},{face}.jpg\n",
        devset.reference_dir())
    assert report.get("errors") == [] and report.get("written") == 1, report
    token = rstack.card_login(person, pin)
    return {"id": person, "token": token, "user_id": user_id_of(token), "name": name}


class LocalStack(_StackClient):
    """`make run` on free ports: python -m localstage.devstack, with its own state file."""

    def __init__(self, startup_timeout: float = 120.0, extra_env: dict | None = None,
                 ready_url: str | None = None) -> None:
        """``extra_env``: more PC_* settings for the stack (e.g. its H5 port); ``ready_url``: a GET
        that must answer too before the stack counts as up."""
        self.api_port, self.emulator_port = free_port(), free_port()
        self._dir = Path(tempfile.mkdtemp(prefix="pc-stack-"))
        self.state_file = self._dir / "devstack.json"
        env = _clean_env()
        env.update(PC_API_PORT=str(self.api_port), PC_EMULATOR_PORT=str(self.emulator_port),
                   PC_DEVSTACK_STATE=str(self.state_file), PC_LOCAL_STATE_DIR=str(self._dir / "state"),
                   **(extra_env or {}))
        self.log = (self._dir / "stack.log").open("w+")
        self.base_url = f"http://127.0.0.1:{self.api_port}"
        self.aws_endpoint = f"http://127.0.0.1:{self.emulator_port}"
        try:
            self._process = start_local_stack(env, self.state_file, self.base_url, startup_timeout,
                                              ready_url=ready_url, output=self.read_log,
                                              stdout=self.log, stderr=subprocess.STDOUT, text=True)
        except BaseException:  # start_local_stack stopped the stack; what is left is this folder
            self.log.close()
            shutil.rmtree(self._dir, ignore_errors=True)
            raise
        self.environment = json.loads(self.state_file.read_text())["environment"]

    def read_log(self) -> str:
        self.log.flush()
        return (self._dir / "stack.log").read_text(errors="replace")

    def child_env(self) -> dict:
        env = super().child_env()
        env["PC_DEVSTACK_STATE"] = str(self.state_file)
        return env

    def stop(self) -> None:
        stop_process(self._process, timeout=20)  # devstack stops its API child and moto on SIGTERM
        self.log.close()
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
