"""Data matching against the stack `make run` starts (issue 13): `make import-events` feeds it and
the retiree sees the evidence over real HTTP; the jobs command runs against it."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime

from support import REPO, unique_id_number

from pensioncert.clock import BEIJING


def command(stack, *args):
    env = {key: value for key, value in os.environ.items() if not key.startswith("PC_")}
    env["PC_DEVSTACK_STATE"] = str(stack.state_file)
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=300)


def test_make_import_events_certifies_and_the_retiree_sees_why(stack, tmp_path):
    person = unique_id_number(1945)
    registry = tmp_path / "registry.csv"
    registry.write_text("id_number,name,region,unit,status,card_status,card_password,photo\n"
                        f"{person},郭秀珍,西安市,新城区机关事务中心,recipient,activated,135791,\n", encoding="utf-8")
    assert command(stack, "pensioncert.registry_import", str(registry)).returncode == 0
    today = datetime.now(BEIJING).date().isoformat()
    events = tmp_path / "events.csv"
    events.write_text("id_number,name,event_type,event_date,source,source_ref\n"
                      f"{person},郭秀珍,medical_settlement,{today},西安市第一医院,E2E{person}\n", encoding="utf-8")
    done = command(stack, "pensioncert.import_events", str(events))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["outcomes"] == {"certified": 1}
    status, body = stack.post("/auth/card-login", {"id_number": person, "card_password": "135791"})
    assert status == 200
    token = body["token"]
    status, body = stack.get("/query/status?subject=self", token=token)
    assert status == 200 and body["certified"] is True
    assert body["evidence"] == [{"date": today, "source": "西安市第一医院", "event_type": "medical_settlement",
                                 "label": "医保结算"}]
    jobs = command(stack, "pensioncert.jobs", "reminders")
    assert jobs.returncode == 0, jobs.stderr
    assert "reminders" in json.loads(jobs.stdout)
