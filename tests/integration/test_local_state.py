"""The local stage's kept data (localstage/local_state.py, localstage/local_kms.py): a snapshot
of the emulator's tables and evidence objects, with the stage's secrets, sealed under a data key
that a master key outside the repository wraps; 0600 files in 0700 folders; restored as it was."""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import uuid

import pytest
from support import REPO, free_port, unique_id_number

from localstage import local_state
from localstage.local_kms import KEY_FILE_VARIABLE, LocalKms, MasterKeyUnusable, master_key_file

JPEG_MAGIC = b"\xff\xd8\xff\xe0"


# A snapshot is of every table and object: on the session's emulator, late in a full run, each
# save read all the suite had written (~30 s a test; under 1 s on an emulator of its own).
pytestmark = pytest.mark.usefixtures("own_emulator")


@pytest.fixture
def master_key(tmp_path, monkeypatch):
    """A master key file of the test's own, never the developer's (the folder is created on use)."""
    key_file = tmp_path / "kms" / "local-kms.key"
    monkeypatch.setenv(KEY_FILE_VARIABLE, str(key_file))
    return key_file


@pytest.fixture
def kept(svc, tmp_path, master_key):
    """An item with a name, an ID number and a binary attribute, and a JPEG object, saved."""
    marker = uuid.uuid4().hex
    person = {"name": f"测试{marker[:6]}", "id_number": unique_id_number(1950)}
    table = svc.settings.table_prefix + "claims"
    item = {"claim": {"S": f"local-state-{marker}"}, "name": {"S": person["name"]},
            "id_number": {"S": person["id_number"]}, "embedding": {"B": bytes(range(256)) * 2},
            "parts": {"M": {"frames": {"BS": [b"\x00\x01", b"\xfe\xff"]}}}}
    svc.client("dynamodb").put_item(TableName=table, Item=item)
    body = JPEG_MAGIC + f"frame of {person['name']} {marker}".encode() + os.urandom(2048)
    key = f"evidence/{marker}/frame-0.jpg"
    svc.client("s3").put_object(Bucket=svc.settings.evidence_bucket, Key=key, Body=body)
    state_dir = tmp_path / "localstate"
    local_state.keep_secrets({"PC_TOKEN_SECRET": "t" * 64, "PC_PII_KEY": f"pii-key-{marker}"}, state_dir)
    counts = local_state.save(svc, state_dir)
    yield {"state_dir": state_dir, "table": table, "item": item, "key": key, "body": body,
           "person": person, "marker": marker, "counts": counts}
    svc.client("dynamodb").delete_item(TableName=table, Key={"claim": item["claim"]})
    svc.client("s3").delete_object(Bucket=svc.settings.evidence_bucket, Key=key)


def kept_files(state_dir):
    return [path for path in state_dir.rglob("*") if path.is_file()]


def test_a_snapshot_restores_items_binaries_and_objects_as_they_were(svc, kept):
    dynamodb, s3 = svc.client("dynamodb"), svc.client("s3")
    dynamodb.delete_item(TableName=kept["table"], Key={"claim": kept["item"]["claim"]})
    s3.delete_object(Bucket=svc.settings.evidence_bucket, Key=kept["key"])

    counts = local_state.restore(svc, kept["state_dir"])

    assert counts["items"] == kept["counts"]["items"] >= 1
    assert counts["objects"] == kept["counts"]["objects"] >= 1
    item = dynamodb.get_item(TableName=kept["table"], Key={"claim": kept["item"]["claim"]}, ConsistentRead=True)["Item"]
    assert item == kept["item"]
    assert s3.get_object(Bucket=svc.settings.evidence_bucket, Key=kept["key"])["Body"].read() == kept["body"]
    assert local_state.kept_secrets(kept["state_dir"]) == {"PC_TOKEN_SECRET": "t" * 64,
                                                           "PC_PII_KEY": f"pii-key-{kept['marker']}"}


def test_the_kept_files_show_no_name_id_number_face_or_key(kept, master_key):
    needles = [kept["person"]["name"].encode(), kept["person"]["id_number"].encode(),
               kept["marker"].encode(), kept["body"][:64], kept["body"][-64:], bytes(range(256)),
               f"pii-key-{kept['marker']}".encode(), master_key.read_bytes()]
    files = kept_files(kept["state_dir"])
    assert len(files) >= 4  # data key, snapshot, secrets, an object at least
    for path in files:
        data = path.read_bytes()
        assert not data.startswith(JPEG_MAGIC), path
        assert not [needle for needle in needles if needle in data], path
    assert kept["state_dir"] not in master_key.parents


def test_the_master_key_is_kept_outside_the_repository_by_default(monkeypatch, tmp_path):
    monkeypatch.delenv(KEY_FILE_VARIABLE, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert master_key_file() == tmp_path / "data" / "pensioncert" / "local-kms.key"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert REPO not in master_key_file().parents and master_key_file().name == "local-kms.key"


def test_kept_files_are_0600_in_0700_folders_and_so_is_the_master_key(kept, master_key):
    state_dir = kept["state_dir"]
    for folder in [state_dir, *(path for path in state_dir.rglob("*") if path.is_dir()), master_key.parent]:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    for path in [*kept_files(state_dir), master_key]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_a_missing_or_another_master_key_is_a_clear_error_and_creates_no_key(svc, kept, tmp_path, monkeypatch):
    missing = tmp_path / "elsewhere" / "local-kms.key"
    monkeypatch.setenv(KEY_FILE_VARIABLE, str(missing))
    for read in (local_state.kept_secrets, lambda folder: local_state.restore(svc, folder)):
        with pytest.raises(MasterKeyUnusable, match=r"is missing.*make reset") as error:
            read(kept["state_dir"])
        assert str(kept["state_dir"]) in str(error.value) and str(missing) in str(error.value)
    assert not missing.exists()  # a new key could not open the data, and the next save would replace it

    other = tmp_path / "other" / "local-kms.key"
    LocalKms(other).generate_data_key()
    monkeypatch.setenv(KEY_FILE_VARIABLE, str(other))
    with pytest.raises(MasterKeyUnusable, match=r"another master key.*make reset"):
        local_state.kept_secrets(kept["state_dir"])
    with pytest.raises(MasterKeyUnusable, match="another master key"):
        local_state.save(svc, kept["state_dir"])  # the periodic save leaves the kept data alone
    assert (kept["state_dir"] / "snapshot.sealed").exists()


def test_make_run_refuses_to_start_on_data_it_cannot_open(kept, tmp_path):
    before = {path: path.read_bytes() for path in kept_files(kept["state_dir"])}
    env = {key: value for key, value in os.environ.items() if not key.startswith("PC_")}
    env.update(PC_LOCAL_STATE_DIR=str(kept["state_dir"]), PC_DEVSTACK_STATE=str(tmp_path / "devstack.json"),
               PC_API_PORT=str(free_port()), PC_EMULATOR_PORT=str(free_port()),
               **{KEY_FILE_VARIABLE: str(tmp_path / "no-such-key")})
    result = subprocess.run([sys.executable, "-m", "localstage.devstack"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "make reset" in result.stderr and "Traceback" not in result.stderr + result.stdout, result.stderr
    assert {path: path.read_bytes() for path in kept_files(kept["state_dir"])} == before


def test_a_kept_token_secret_below_the_size_now_required_is_not_kept(tmp_path, master_key):
    local_state.keep_secrets({"PC_TOKEN_SECRET": "t" * 43, "PC_PII_KEY": "p" * 43}, tmp_path)
    (tmp_path / "snapshot.sealed").touch()  # kept_secrets answers only beside a snapshot
    assert local_state.kept_secrets(tmp_path) == {"PC_PII_KEY": "p" * 43}


def test_a_snapshot_of_the_clear_format_is_restored_then_sealed(svc, tmp_path, master_key):
    marker = uuid.uuid4().hex
    table = svc.settings.table_prefix + "claims"
    item = {"claim": {"S": f"clear-{marker}"}, "embedding": {"B": "AAEC"}}  # base64, as it was kept
    state_dir = tmp_path / "localstate"
    (state_dir / "objects" / "evidence" / marker).mkdir(parents=True)
    (state_dir / "objects" / "evidence" / marker / "frame.jpg").write_bytes(JPEG_MAGIC + marker.encode())
    (state_dir / "tables.json").write_text(json.dumps({table: [item]}))
    (state_dir / "secrets.json").write_text(json.dumps({"PC_PII_KEY": f"pii-{marker}"}))
    try:
        assert local_state.kept_secrets(state_dir) == {"PC_PII_KEY": f"pii-{marker}"}
        assert local_state.restore(svc, state_dir) == {"items": 1, "objects": 1}
        stored = svc.client("dynamodb").get_item(TableName=table, Key={"claim": item["claim"]})["Item"]
        assert stored["embedding"] == {"B": b"\x00\x01\x02"}
        local_state.save(svc, state_dir)
        assert not (state_dir / "tables.json").exists() and not (state_dir / "secrets.json").exists()
        assert local_state.kept_secrets(state_dir) == {"PC_PII_KEY": f"pii-{marker}"}
        assert not [path for path in kept_files(state_dir) if marker.encode() in path.read_bytes()]
    finally:
        svc.client("dynamodb").delete_item(TableName=table, Key={"claim": item["claim"]})
        svc.client("s3").delete_object(Bucket=svc.settings.evidence_bucket, Key=f"evidence/{marker}/frame.jpg")
