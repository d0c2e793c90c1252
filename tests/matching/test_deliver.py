"""The uploader into the deployed feed bucket (pensioncert/matching/deliver.py), against the emulator's
S3: the files first, the marker last and once, nothing in clear, nothing started by a cut delivery."""
from __future__ import annotations

import hashlib
import io
import json
import uuid

import pyarrow.parquet as pq
import pytest
from support import unique_id_number

from pensioncert.matching import deliver

HEADER = "id_number,name,event_type,event_date,source,source_ref\n"


def _csv(people: list[str], months=("2026-03-14", "2026-05-02")) -> io.StringIO:
    return io.StringIO(HEADER + "".join(f"{person},贾玉兰,medical_settlement,{day},西安市第三医院,B{uuid.uuid4().hex[:8]}\n"
                                        for person in people for day in months))


@pytest.fixture
def bucket(svc):
    name = f"feeds-{uuid.uuid4().hex[:12]}"
    svc.client("s3").create_bucket(Bucket=name, CreateBucketConfiguration={
        "LocationConstraint": svc.client("s3").meta.region_name})
    return name


def _keys(svc, bucket: str) -> list[str]:
    return sorted(item["Key"] for item in svc.client("s3").list_objects_v2(Bucket=bucket).get("Contents", []))


class _Recorded:
    """The S3 client, with the order of its uploads and puts (and a failure on the n-th upload)."""

    def __init__(self, s3, fail_on_upload: int | None = None) -> None:
        self._s3, self._fail_on, self.calls = s3, fail_on_upload, []

    def upload_file(self, filename, bucket, key, Config=None):
        self.calls.append(("upload", key))
        if self._fail_on == sum(kind == "upload" for kind, _ in self.calls):
            raise ConnectionError("the line dropped mid-delivery")
        return self._s3.upload_file(filename, bucket, key, Config=Config)

    def put_object(self, **kwargs):
        self.calls.append(("put", kwargs["Key"]))
        return self._s3.put_object(**kwargs)


def test_the_files_go_up_by_month_and_the_marker_last_lists_each_with_its_size_and_digest(svc, bucket):
    people = [unique_id_number(1950) for _ in range(3)]
    s3 = _Recorded(svc.client("s3"))
    done = deliver.deliver(svc, _csv(people), "medical_insurance", bucket, s3)
    assert done.rows == 6
    assert [kind for kind, _ in s3.calls] == ["upload", "upload", "put"]
    assert s3.calls[-1] == ("put", f"ready/{done.delivery_id}.json")
    assert {key.rsplit("/", 1)[0] for _, key in s3.calls[:-1]} == {
        "feed/source_system=medical_insurance/month=2026-03", "feed/source_system=medical_insurance/month=2026-05"}
    marker = json.loads(svc.client("s3").get_object(Bucket=bucket, Key=done.marker_key)["Body"].read())
    assert (marker["rows"], marker["system"], len(marker["files"])) == (6, "medical_insurance", 2)
    for listed in marker["files"]:
        body = svc.client("s3").get_object(Bucket=bucket, Key=listed["key"])["Body"].read()
        assert (len(body), hashlib.sha256(body).hexdigest()) == (listed["bytes"], listed["sha256"])
        table = pq.read_table(io.BytesIO(body))
        assert table.num_rows == 3
        # The ID number never leaves the agency in clear: the registry's keyed hash stands for it.
        assert not any(person.encode() in body for person in people)
        assert set(table.column("id_key").to_pylist()) == {svc.vault.lookup("id", p) for p in people}


def test_a_delivery_cut_short_writes_no_marker_so_nothing_runs(svc, bucket):
    s3 = _Recorded(svc.client("s3"), fail_on_upload=2)
    with pytest.raises(ConnectionError):
        deliver.deliver(svc, _csv([unique_id_number(1950)]), "medical_insurance", bucket, s3)
    assert [kind for kind, _ in s3.calls] == ["upload", "upload"]
    assert not [key for key in _keys(svc, bucket) if key.startswith("ready/")]


def test_a_delivery_is_committed_once_even_by_an_uploader_started_twice(svc, bucket):
    delivery_id = deliver.new_delivery_id("transit")
    deliver.deliver(svc, _csv([unique_id_number(1950)]), "transit", bucket, svc.client("s3"), delivery_id)
    with pytest.raises(deliver.NothingDelivered, match="was made already"):
        deliver.deliver(svc, _csv([unique_id_number(1950)]), "transit", bucket, svc.client("s3"), delivery_id)
    assert [key for key in _keys(svc, bucket) if key.startswith("ready/")] == [f"ready/{delivery_id}.json"]


@pytest.mark.parametrize(("text", "system", "says"), [
    (HEADER, "medical_insurance", "no data rows"),
    ("", "medical_insurance", "no data rows"),
    (HEADER + "110101194503070015,王五,medical_settlement,2026-03-14,x,y\n", "../ready", "partition name"),
    (HEADER + "110101194503070015,王五,medical_settlement,2026-03-14,x,y\n", "Transit System", "partition name"),
])
def test_nothing_to_deliver_is_refused_before_anything_goes_up(svc, bucket, text, system, says):
    with pytest.raises(deliver.NothingDelivered, match=says):
        deliver.deliver(svc, io.StringIO(text), system, bucket, svc.client("s3"))
    assert _keys(svc, bucket) == []


def test_the_command_says_what_it_delivered_and_refuses_with_a_message(svc, bucket, tmp_path, capsys):
    events = tmp_path / "events.csv"
    events.write_text(_csv([unique_id_number(1950)]).getvalue(), encoding="utf-8")
    assert deliver.main([str(events), "--system", "transit", "--bucket", bucket]) == 0
    said = json.loads(capsys.readouterr().out)
    assert (said["rows"], said["files"]) == (2, 2) and said["marker"] in _keys(svc, bucket)
    events.write_text(HEADER, encoding="utf-8")
    assert deliver.main([str(events), "--system", "transit", "--bucket", bucket]) == 1
    assert "no data rows" in capsys.readouterr().err


def test_the_prefixes_are_the_deployed_buckets():
    from infra import matching_site

    assert (deliver.FEED_PREFIX, deliver.READY_PREFIX) == (matching_site.FEED_PREFIX, matching_site.READY_PREFIX)
