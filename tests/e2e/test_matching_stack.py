"""A feed folder through the batch job against the stack `make run` starts (issue 22): a system's
CSV ingested into Parquet, `make import-events FILE=<feed folder>` (snapshot, DuckDB, write-back),
and the retiree sees the data_match certification with its evidence over real HTTP, as with a CSV."""
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


def test_a_feed_folder_certifies_through_the_batch_job_and_the_retiree_sees_why(stack, tmp_path):
    person, stranger = unique_id_number(1944), unique_id_number(1944)
    registry = tmp_path / "registry.csv"
    registry.write_text("id_number,name,region,unit,status,card_status,card_password,photo\n"
                        f"{person},贾玉兰,西安市,新城区机关事务中心,recipient,activated,135791,\n", encoding="utf-8")
    assert command(stack, "pensioncert.registry_import", str(registry)).returncode == 0
    today = datetime.now(BEIJING).date().isoformat()
    events = tmp_path / "medical.csv"
    events.write_text("id_number,name,event_type,event_date,source,source_ref\n"
                      f"{person},贾玉兰,medical_settlement,{today},西安市第三医院,B{person}\n"
                      f"{stranger},无此人,medical_settlement,{today},西安市第三医院,B{stranger}\n", encoding="utf-8")
    feed = tmp_path / "feed"
    ingested = command(stack, "pensioncert.matching.ingest", str(events), str(feed), "--system", "medical_insurance")
    assert ingested.returncode == 0, ingested.stderr

    done = command(stack, "pensioncert.import_events", str(feed))
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["job"]["rejects"], report["write_back"]["outcomes"].get("certify:certified")) == (
        {"not_in_registry": 1}, 1)

    status, body = stack.post("/auth/card-login", {"id_number": person, "card_password": "135791"})
    assert status == 200
    status, body = stack.get("/query/status?subject=self", token=body["token"])
    assert status == 200 and body["certified"] is True
    assert body["evidence"] == [{"date": today, "source": "西安市第三医院", "event_type": "medical_settlement",
                                 "label": "医保结算"}]
