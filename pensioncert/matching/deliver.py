"""A system's delivered CSV into the deployed feed bucket (infra/matching_site.py): its Parquet files
under ``feed/source_system=…/month=…/``, then the delivery's marker under ``ready/``, which starts
the matching run (one run per delivery, reading the whole year's feed).

The marker is the delivery's commit: it is written last, only when every file is in the bucket, and
once (a conditional put: a second marker of the same delivery is refused, so an uploader started
twice cannot start two runs). It lists each file with its size and SHA-256. A delivery cut short
leaves files and no marker: nothing runs, and delivering the CSV again (a new delivery id) adds
its own files; the job counts a row delivered twice once. Large files go up in parts (boto3's
managed transfer); the bucket's own key encrypts them.

    python -m pensioncert.matching.deliver events.csv --system medical_insurance --bucket BUCKET
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

from pensioncert.matching import ingest

if TYPE_CHECKING:
    from pensioncert.services import Services

FEED_PREFIX = "feed/"  # infra/matching_site.py: the Glue job reads it, the bucket expires it
READY_PREFIX = "ready/"  # infra/matching_site.py: EventBridge starts a run on an object created here
# Parts of 64 MB, four at a time: a file of a million rows (~40 MB of Parquet) in one or two parts.
TRANSFER = TransferConfig(multipart_threshold=64 * 1024 * 1024, multipart_chunksize=64 * 1024 * 1024,
                          max_concurrency=4)
SYSTEM = re.compile(r"[a-z][a-z0-9_]{1,39}")


class NothingDelivered(ValueError):
    """The delivery cannot be made: no rows, a system name that is no partition name, or its
    marker exists already (that delivery was made)."""


@dataclass(frozen=True)
class Delivered:
    delivery_id: str
    rows: int
    marker_key: str
    files: list[dict[str, Any]]  # {"key", "bytes", "sha256"} for each file, in upload order


def new_delivery_id(system: str) -> str:
    return f"{system}-{uuid.uuid4().hex}"


def deliver(svc: Services, stream, system: str, bucket: str, s3, delivery_id: str | None = None) -> Delivered:
    """Ingest the CSV ``stream`` (ingest.py: ID numbers replaced by their keyed hashes), upload its
    Parquet files, then write the marker. Raises NothingDelivered before any upload when there is
    nothing to deliver, and when the marker exists already (its files are then in the bucket a
    second time, under new names, and count once)."""
    if not SYSTEM.fullmatch(system):
        raise NothingDelivered(f"system {system!r}: lower-case letters, digits and _ (2 to 40), as a partition name")
    delivery_id = delivery_id or new_delivery_id(system)
    with tempfile.TemporaryDirectory(prefix="pc-delivery-") as folder:
        root = Path(folder)
        rows = ingest.ingest(svc, stream, root, system)
        if rows == 0:
            raise NothingDelivered("the CSV has no data rows: nothing was delivered")
        files = []
        for path in sorted(root.rglob("*.parquet")):
            key = FEED_PREFIX + path.relative_to(root).as_posix()
            s3.upload_file(str(path), bucket, key, Config=TRANSFER)
            files.append({"key": key, "bytes": path.stat().st_size, "sha256": _sha256(path)})
    marker_key = f"{READY_PREFIX}{delivery_id}.json"
    marker = {"delivery_id": delivery_id, "system": system, "rows": rows, "files": files}
    try:
        s3.put_object(Bucket=bucket, Key=marker_key, IfNoneMatch="*", ContentType="application/json",
                      Body=json.dumps(marker, ensure_ascii=False, indent=1).encode())
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("PreconditionFailed", "ConditionalRequestConflict"):
            raise NothingDelivered(f"delivery {delivery_id} was made already (its marker {marker_key} exists)") from None
        raise
    return Delivered(delivery_id, rows, marker_key, files)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def main(argv: list[str]) -> int:
    from pensioncert.services import services

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("csv", type=Path)
    parser.add_argument("--system", required=True, help="the delivering system: medical_insurance, transit, ...")
    parser.add_argument("--bucket", required=True, help="the stack's feed bucket (output FeedBucketName)")
    parser.add_argument("--delivery-id", help="a delivery's own id (default: <system>-<random>)")
    args = parser.parse_args(argv)
    svc = services()
    try:
        with args.csv.open(encoding="utf-8-sig", newline="") as stream:
            done = deliver(svc, stream, args.system, args.bucket, svc.client("s3"), args.delivery_id)
    except (NothingDelivered, OSError, UnicodeDecodeError) as error:
        print(f"deliver: {error}", file=sys.stderr)
        return 1
    print(json.dumps({"delivery_id": done.delivery_id, "rows": done.rows, "marker": done.marker_key,
                      "files": len(done.files)}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
