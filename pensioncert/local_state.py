"""Local stage only: the emulator's data survives a restart of `make run`.

moto keeps everything in memory. On shutdown (and every ``SNAPSHOT_INTERVAL_S`` while running, so
a killed terminal loses at most that much) every table of the stage is scanned and every object of
the evidence bucket copied into ``.cache/localstate/``; at the next start, after the tables and the
bucket are created, they are written back. The stage's secrets (PII key, token secret) are kept
with the snapshot, since sealed ID numbers and issued tokens are useless under new ones.
``make reset`` deletes the folder. Chosen over moto's recorder (which replays every request,
failed ones included, and grows without bound) because a snapshot restores exactly the state.
"""
from __future__ import annotations

import base64
import json
import os
import shutil
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _default_state_dir() -> Path:
    """PC_LOCAL_STATE_DIR; else beside a stack's own state file (tests and benches start stacks with
    PC_DEVSTACK_STATE in a temporary folder, and must never touch the developer's kept data)."""
    if os.environ.get("PC_LOCAL_STATE_DIR"):
        return Path(os.environ["PC_LOCAL_STATE_DIR"])
    if os.environ.get("PC_DEVSTACK_STATE"):
        return Path(os.environ["PC_DEVSTACK_STATE"]).parent / "localstate"
    return REPO / ".cache" / "localstate"


STATE_DIR = _default_state_dir()
SNAPSHOT_INTERVAL_S = 30.0
SECRET_KEYS = ("PC_TOKEN_SECRET", "PC_PII_KEY", "PC_ADMIN_SECRET")


def _tables_file(state_dir: Path) -> Path:
    return state_dir / "tables.json"


def _objects_dir(state_dir: Path) -> Path:
    return state_dir / "objects"


def kept_secrets(state_dir: Path = STATE_DIR) -> dict[str, str]:
    """The secrets of the stack whose data is kept, or {} when there is no snapshot."""
    path = state_dir / "secrets.json"
    if not path.exists() or not _tables_file(state_dir).exists():
        return {}
    return json.loads(path.read_text())


def keep_secrets(environment: dict[str, str], state_dir: Path = STATE_DIR) -> None:
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / "secrets.json"
    path.write_text(json.dumps({key: environment[key] for key in SECRET_KEYS if key in environment}))
    path.chmod(0o600)


def save(svc, state_dir: Path = STATE_DIR) -> dict[str, int]:
    """Every item of every table and every evidence object → state_dir (written whole, then renamed)."""
    from pensioncert.dal.binding import table_specs

    dynamodb = svc.client("dynamodb")
    tables: dict[str, list] = {}
    for spec in table_specs(svc.settings):
        name = spec["create"]["TableName"]
        items: list = []
        for page in dynamodb.get_paginator("scan").paginate(TableName=name):
            items.extend(page["Items"])
        tables[name] = items
    tmp = state_dir.with_name(state_dir.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    objects = _objects_dir(tmp)
    objects.mkdir(parents=True)
    s3 = svc.client("s3")
    bucket = svc.settings.evidence_bucket
    count = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for entry in page.get("Contents", []):
            target = objects / entry["Key"]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(s3.get_object(Bucket=bucket, Key=entry["Key"])["Body"].read())
            count += 1
    # Binary values (face embeddings) as base64, as DynamoDB's own JSON exports write them.
    _tables_file(tmp).write_text(json.dumps(tables, default=lambda data: base64.b64encode(data).decode()))
    secrets_file = state_dir / "secrets.json"
    if secrets_file.exists():
        shutil.copy2(secrets_file, tmp / "secrets.json")
    shutil.rmtree(state_dir, ignore_errors=True)
    tmp.rename(state_dir)
    return {"items": sum(len(items) for items in tables.values()), "objects": count}


def restore(svc, state_dir: Path = STATE_DIR) -> dict[str, int]:
    """Write a snapshot back into freshly provisioned tables and bucket; {} counts when none."""
    path = _tables_file(state_dir)
    if not path.exists():
        return {"items": 0, "objects": 0}
    dynamodb = svc.client("dynamodb")
    known = set(dynamodb.list_tables()["TableNames"])
    items_written = 0
    for name, items in json.loads(path.read_text()).items():
        if name not in known:  # a table this version no longer has
            continue
        for start in range(0, len(items), 25):
            requests = {name: [{"PutRequest": {"Item": {attribute: _binary_back(value) for attribute, value in item.items()}}}
                               for item in items[start:start + 25]]}
            while requests:
                requests = dynamodb.batch_write_item(RequestItems=requests).get("UnprocessedItems") or {}
            items_written += len(items[start:start + 25])
    s3 = svc.client("s3")
    objects = _objects_dir(state_dir)
    count = 0
    for file in sorted(p for p in objects.rglob("*") if p.is_file()):
        s3.put_object(Bucket=svc.settings.evidence_bucket, Key=file.relative_to(objects).as_posix(),
                      Body=file.read_bytes())
        count += 1
    return {"items": items_written, "objects": count}


def _binary_back(value: dict) -> dict:
    """An attribute value from the snapshot's JSON, its base64 binaries made bytes again."""
    if "B" in value:
        return {"B": base64.b64decode(value["B"])}
    if "BS" in value:
        return {"BS": [base64.b64decode(data) for data in value["BS"]]}
    if "M" in value:
        return {"M": {key: _binary_back(inner) for key, inner in value["M"].items()}}
    if "L" in value:
        return {"L": [_binary_back(inner) for inner in value["L"]]}
    return value


def clear(state_dir: Path = STATE_DIR) -> None:
    shutil.rmtree(state_dir, ignore_errors=True)


class PeriodicSnapshot:
    """Saves every SNAPSHOT_INTERVAL_S in a thread, and once more at stop()."""

    def __init__(self, svc, state_dir: Path = STATE_DIR, interval_s: float = SNAPSHOT_INTERVAL_S):
        self._svc, self._dir, self._interval = svc, state_dir, interval_s
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="local-snapshot", daemon=True)

    def start(self) -> "PeriodicSnapshot":
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.save_now()

    def save_now(self) -> dict[str, int] | None:
        with self._lock:
            try:
                return save(self._svc, self._dir)
            except Exception as error:  # the emulator went away first: keep the last good snapshot
                print(f"local snapshot not saved: {error}", flush=True)
                return None

    def stop(self) -> dict[str, int] | None:
        self._stop.set()
        self._thread.join(timeout=self._interval + 5)
        return self.save_now()
