"""The local stage's helpers (captcha debug_answer, /dev/sms-outbox) exist there and nowhere else."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from support import REPO

PROBE = """
import json
from chalice.test import Client
import app as api_module
with Client(api_module.app) as client:
    captcha = json.loads(client.http.post("/auth/captcha").body)
    outbox = client.http.get("/dev/sms-outbox?phone=13800138000")
print(json.dumps({"routes": sorted(api_module.app.routes), "captcha_fields": sorted(captcha), "captcha": captcha if "error" in captcha else None,
                  "outbox_status": outbox.status_code}))
"""


def probe_stage(stage: str) -> dict:
    """Import the app afresh in its own process, as a Lambda cold start of that stage would."""
    env = {**os.environ, "PC_STAGE": stage, "PC_TABLE_PREFIX": "pc-local-",
           "PC_EVIDENCE_BUCKET": "pc-local-evidence"}
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO / "functions", env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_deployed_stage_has_no_debug_answer_and_no_outbox(emulator):
    deployed = probe_stage("prod")
    assert "/dev/sms-outbox" not in deployed["routes"]
    assert deployed["captcha_fields"] == ["captcha_id", "expires_in", "image"], deployed["captcha"]
    # chalice's test client answers a path with no route as API Gateway does, 403 "Missing
    # Authentication Token"; the deployed gateway turns it into 404 ROUTE_NOT_FOUND (test_template.py).
    assert deployed["outbox_status"] == 403


def test_the_local_stage_has_both(emulator):
    local = probe_stage("local")
    assert "/dev/sms-outbox" in local["routes"]
    assert "debug_answer" in local["captcha_fields"]
    assert local["outbox_status"] == 200


SECRET_PROBE = """
import json
from pensioncert.services import services
svc = services()
print(json.dumps({"token_secret": svc.token_secret,
                  "pii_key": svc.settings.pii_key.get_secret_value()}))
"""


def test_a_deployed_stage_takes_its_secrets_from_the_secret_store(emulator):
    import boto3

    client = boto3.client("secretsmanager", region_name=emulator["PC_AWS_REGION"],
                          endpoint_url=emulator["PC_AWS_ENDPOINT_URL"])
    values = {"token_secret": "t" * 64, "pii_key": "p" * 43}
    name = f"pensioncert/prod/{os.getpid()}"
    client.create_secret(Name=name, SecretString=json.dumps(values))
    env = {key: value for key, value in os.environ.items()
           if key not in ("PC_TOKEN_SECRET", "PC_PII_KEY")}
    env.update(PC_STAGE="prod", PC_SECRETS_ID=name)
    result = subprocess.run([sys.executable, "-c", SECRET_PROBE], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == values

    env.pop("PC_SECRETS_ID")
    result = subprocess.run([sys.executable, "-c", SECRET_PROBE], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "PC_SECRETS_ID" in result.stderr
