"""Local stage only: the emulator's data survives a restart of `make run`.

moto keeps everything in memory. On shutdown (and every ``local_snapshot_interval_seconds`` while
running, so a killed terminal loses at most that much) every table of the stage is scanned and every
object of the evidence bucket copied into ``.cache/localstate/``; at the next start, after the tables
and the bucket are created, they are written back. The stage's secrets (PII key, token secret) are
kept with the snapshot, since sealed ID numbers and issued tokens are useless under new ones.
``make reset`` deletes the folder. Chosen over moto's recorder (which replays every request,
failed ones included, and grows without bound) because a snapshot restores exactly the state.

Everything kept is sealed (localstage/local_kms.py: a fresh data key per snapshot, wrapped by a
master key kept outside the repository), as the deployed stage keeps it under KMS: names, faces,
ID-card images and the PII key are personal data or open it. Files are 0600 in 0700 folders.
A snapshot is a folder: ``data-key`` (wrapped), ``snapshot.sealed`` (the tables, and the object
keys in order), ``objects/<n>`` (the n-th object's body) and ``secrets.sealed``. A folder of the
clear format written before (``tables.json``) is still restored, and sealed at the next save.
"""
from __future__ import annotations

import base64
import json
import os
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag

from localstage.local_kms import LocalKms, MasterKeyUnusable, open_sealed, seal

if TYPE_CHECKING:
    from pensioncert.services import Services

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
SECRET_KEYS = ("PC_TOKEN_SECRET", "PC_PII_KEY", "PC_ADMIN_SECRET")
_DATA_KEY = "data-key"
_SNAPSHOT = "snapshot.sealed"
_SECRETS = "secrets.sealed"
_OBJECTS = "objects"
_CLEAR_TABLES = "tables.json"  # the format before sealing
_CLEAR_SECRETS = "secrets.json"


class KeptDataUnreadable(RuntimeError):
    """A sealed file of the snapshot does not open under its own data key: it was altered."""


class SnapshotNotSaved(RuntimeError):
    """The snapshot at stop failed: what was written since the last good one is lost."""


# What `make run` reports as an error of the kept data (never a trace, never a silent loss).
LOCAL_DATA_ERRORS = (MasterKeyUnusable, KeptDataUnreadable, SnapshotNotSaved)


def _private_dir(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)


def _write_private(path: Path, data: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(descriptor, 0o600)  # a file that was already there keeps no looser mode
        os.write(descriptor, data)
    finally:
        os.close(descriptor)


def _new_data_key(folder: Path) -> bytes:
    data_key, wrapped = LocalKms().generate_data_key()
    _write_private(folder / _DATA_KEY, wrapped)
    return data_key


def _data_key(state_dir: Path) -> bytes:
    wrapped = state_dir / _DATA_KEY
    if not wrapped.exists():
        raise KeptDataUnreadable(f"{wrapped} is missing, so the local data kept in {state_dir} cannot be "
                                 "opened; run `make reset` to start from the demo data alone")
    return LocalKms().decrypt_data_key(wrapped.read_bytes(), state_dir)


def _write_sealed(folder: Path, data_key: bytes, name: str, plaintext: bytes) -> None:
    _write_private(folder / name, seal(data_key, plaintext, name.encode()))


def _read_sealed(state_dir: Path, data_key: bytes, name: str) -> bytes:
    try:
        return open_sealed(data_key, (state_dir / name).read_bytes(), name.encode())
    except InvalidTag:
        raise KeptDataUnreadable(f"{state_dir / name} of the kept local data does not open (altered?); "
                                 "run `make reset` to start from the demo data alone") from None


def _snapshot_exists(state_dir: Path) -> bool:
    return (state_dir / _SNAPSHOT).exists() or (state_dir / _CLEAR_TABLES).exists()


def _stored_secrets(state_dir: Path) -> dict[str, str]:
    if (state_dir / _SECRETS).exists():
        return json.loads(_read_sealed(state_dir, _data_key(state_dir), _SECRETS))
    if (state_dir / _CLEAR_SECRETS).exists():
        return json.loads((state_dir / _CLEAR_SECRETS).read_text())
    return {}


def kept_secrets(state_dir: Path = STATE_DIR) -> dict[str, str]:
    """The secrets of the stack whose data is kept, or {} when there is no snapshot. A token secret
    shorter than settings allow (kept by an older version) is left out: a new one only ends the
    sessions issued under it."""
    from pensioncert.settings import MIN_TOKEN_SECRET_BYTES

    if not _snapshot_exists(state_dir):
        return {}
    secrets = _stored_secrets(state_dir)
    if len(secrets.get("PC_TOKEN_SECRET", "").encode()) < MIN_TOKEN_SECRET_BYTES:
        secrets.pop("PC_TOKEN_SECRET", None)
    return secrets


def keep_secrets(environment: dict[str, str], state_dir: Path = STATE_DIR) -> None:
    _private_dir(state_dir)
    data_key = _data_key(state_dir) if (state_dir / _DATA_KEY).exists() else _new_data_key(state_dir)
    secrets = {key: environment[key] for key in SECRET_KEYS if key in environment}
    _write_sealed(state_dir, data_key, _SECRETS, json.dumps(secrets).encode())
    (state_dir / _CLEAR_SECRETS).unlink(missing_ok=True)


def save(svc: Services, state_dir: Path = STATE_DIR) -> dict[str, int]:
    """Every item of every table and every evidence object → state_dir, sealed under a fresh data
    key (written whole beside it, then renamed)."""
    from pensioncert.dal.binding import table_specs

    dynamodb = svc.client("dynamodb")
    tables: dict[str, list] = {}
    for spec in table_specs(svc.settings):
        name = spec["create"]["TableName"]
        items: list = []
        for page in dynamodb.get_paginator("scan").paginate(TableName=name):
            items.extend(page["Items"])
        tables[name] = items
    secrets = _stored_secrets(state_dir)
    tmp = state_dir.with_name(state_dir.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    _private_dir(tmp)
    _private_dir(tmp / _OBJECTS)
    data_key = _new_data_key(tmp)
    s3 = svc.client("s3")
    bucket = svc.settings.evidence_bucket
    object_keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for entry in page.get("Contents", []):
            body = s3.get_object(Bucket=bucket, Key=entry["Key"])["Body"].read()
            _write_sealed(tmp, data_key, f"{_OBJECTS}/{len(object_keys)}", body)
            object_keys.append(entry["Key"])
    # Binary values (face embeddings) as base64, as DynamoDB's own JSON exports write them.
    snapshot = json.dumps({"tables": tables, "objects": object_keys},
                          default=lambda data: base64.b64encode(data).decode())
    _write_sealed(tmp, data_key, _SNAPSHOT, snapshot.encode())
    if secrets:
        _write_sealed(tmp, data_key, _SECRETS, json.dumps(secrets).encode())
    shutil.rmtree(state_dir, ignore_errors=True)
    tmp.rename(state_dir)
    return {"items": sum(len(items) for items in tables.values()), "objects": len(object_keys)}


def _kept_snapshot(state_dir: Path) -> tuple[dict[str, list], Iterator[tuple[str, bytes]]] | None:
    """(items by table, (key, body) of each object, read as iterated), or None when nothing is kept."""
    objects = state_dir / _OBJECTS
    if (state_dir / _CLEAR_TABLES).exists():
        files = sorted(path for path in objects.rglob("*") if path.is_file())
        return (json.loads((state_dir / _CLEAR_TABLES).read_text()),
                ((path.relative_to(objects).as_posix(), path.read_bytes()) for path in files))
    if not (state_dir / _SNAPSHOT).exists():
        return None
    data_key = _data_key(state_dir)
    snapshot = json.loads(_read_sealed(state_dir, data_key, _SNAPSHOT))
    return snapshot["tables"], ((key, _read_sealed(state_dir, data_key, f"{_OBJECTS}/{index}"))
                                for index, key in enumerate(snapshot["objects"]))


def restore(svc: Services, state_dir: Path = STATE_DIR) -> dict[str, int]:
    """Write a snapshot back into freshly provisioned tables and bucket; {} counts when none."""
    kept = _kept_snapshot(state_dir)
    if kept is None:
        return {"items": 0, "objects": 0}
    tables, objects = kept
    dynamodb = svc.client("dynamodb")
    known = set(dynamodb.list_tables()["TableNames"])
    items_written = 0
    for name, items in tables.items():
        if name not in known:  # a table this version no longer has
            continue
        for start in range(0, len(items), 25):
            requests = {name: [{"PutRequest": {"Item": {attribute: _binary_back(value) for attribute, value in item.items()}}}
                               for item in items[start:start + 25]]}
            while requests:
                requests = dynamodb.batch_write_item(RequestItems=requests).get("UnprocessedItems") or {}
            items_written += len(items[start:start + 25])
    s3 = svc.client("s3")
    count = 0
    for key, body in objects:
        s3.put_object(Bucket=svc.settings.evidence_bucket, Key=key, Body=body)
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
    """Saves every ``interval_s`` (settings: local_snapshot_interval_seconds) in a thread, and once
    more at stop(), which must come before the emulator stops."""

    def __init__(self, svc: Services, state_dir: Path = STATE_DIR, interval_s: float | None = None):
        self._svc, self._dir = svc, state_dir
        self._interval = interval_s or svc.settings.local_snapshot_interval_seconds
        self._last_saved: str | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="local-snapshot", daemon=True)

    def start(self) -> PeriodicSnapshot:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.save_now()

    def save_now(self) -> dict[str, int] | None:
        with self._lock:
            try:
                return self._save()
            except Exception as error:  # noqa: BLE001 - the next period tries again; the last good snapshot stays
                print(f"local snapshot not saved (next try in {self._interval:.0f} s; the last good "
                      f"one stays in {self._dir}): {error}", file=sys.stderr, flush=True)
                return None

    def stop(self) -> dict[str, int]:
        """The final snapshot; SnapshotNotSaved, saying what is lost and what is kept, if it fails."""
        self._stop.set()
        self._thread.join(timeout=self._interval + 5)
        with self._lock:
            try:
                return self._save()
            except Exception as error:
                if self._last_saved:
                    kept = f"the last good snapshot, taken at {self._last_saved}, is in {self._dir}"
                elif _snapshot_exists(self._dir):
                    kept = f"the last good snapshot, from before this start, is in {self._dir}"
                else:
                    kept = "no earlier snapshot is kept"
                raise SnapshotNotSaved(f"the local data was NOT saved at stop ({error}): what was written "
                                       f"since the last snapshot is lost; {kept}") from error

    def _save(self) -> dict[str, int]:
        counts = save(self._svc, self._dir)
        self._last_saved = time.strftime("%H:%M:%S")
        return counts
