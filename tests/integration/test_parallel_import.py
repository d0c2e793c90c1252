"""A registry import's photos embedded by a pool of worker processes (issue 22, logic/import_photos.py):
the same registry imported one photo after another and with the pool gives the same templates, the
same refusals and the same report; an import whose worker fails half way, run again, embeds each
photo once and writes each row once.

The photos are the dev set's 28 reference photos, plus one with no face and one that is not an
image. Each test's copies carry a JPEG comment of their own (the pixels are the dev set's): a photo's
result is recorded by its bytes, and other tests of the session import the same reference photos.
"""
from __future__ import annotations

import hashlib
import os
import uuid
from collections import Counter
from datetime import timedelta
from functools import partial
from pathlib import Path

import devset
import pytest
from support import unique_id_number

from pensioncert.dal import audit, registry
from pensioncert.logic.import_photos import PhotoPool
from pensioncert.logic.registry_import import Importer, import_registry

HEADER = "id_number,name,region,unit,status,card_status,card_password,photo\n"
_embedded_here = 0


class WorkerCrash(RuntimeError):
    pass


def logged_embed(log_path: str, fail_after: int | None, vision, image: bytes) -> list[float]:
    """Runs in the workers (given as a partial: the log and the crash point travel with it, not by the
    environment, which an earlier test of the session may have detached from the process's own):
    each photo given to vision is a line (pid, digest) of the log; with ``fail_after``, a worker
    raises instead of embedding its (fail_after + 1)-th photo."""
    global _embedded_here
    if fail_after is not None and _embedded_here >= fail_after:
        raise WorkerCrash("a worker fails half way through the import")
    _embedded_here += 1
    with open(log_path, "a", encoding="utf-8") as log:
        log.write(f"{os.getpid()} {hashlib.sha256(image).hexdigest()}\n")
    return vision.embed_reference(image)


def embed_log(path: Path) -> list[tuple[int, str]]:
    if not path.exists():
        return []
    return [(int(pid), digest) for pid, digest in (line.split() for line in path.read_text().splitlines())]


@pytest.fixture
def photo_dir(tmp_path) -> Path:
    """The reference photos (each with a JPEG comment of this test's), a photo without a face and a
    file with a JPEG's first bytes that is not one."""
    import cv2
    import numpy as np

    folder = tmp_path / "photos"
    folder.mkdir()
    marker = uuid.uuid4().hex.encode()
    comment = b"\xff\xfe" + (len(marker) + 2).to_bytes(2, "big") + marker
    for photo in sorted(devset.reference_dir().glob("*.jpg")):
        data = photo.read_bytes()
        (folder / photo.name).write_bytes(data[:2] + comment + data[2:])
    wall = np.full((480, 640, 3), 180, np.uint8)
    cv2.putText(wall, marker.decode()[:12], (40, 240), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (40, 40, 40), 2)
    (folder / "wall.jpg").write_bytes(cv2.imencode(".jpg", wall)[1].tobytes())
    (folder / "torn.jpg").write_bytes(b"\xff\xd8\xff\xe0" + marker * 64)
    return folder


@pytest.fixture
def embed_log_path(tmp_path) -> Path:
    return tmp_path / "embedded.log"


def registry_rows(photo_dir: Path, region: str) -> tuple[str, dict[str, str]]:
    """A registry of one person per photo in ``region``: the CSV, and each photo's ID number."""
    photos = sorted(path.name for path in photo_dir.iterdir())
    numbers = {photo: unique_id_number(1952) for photo in photos}
    rows = "".join(f"{numbers[photo]},并行测试,{region},测试单位,recipient,,,{photo}\n" for photo in photos)
    return HEADER + rows, numbers


def importer() -> Importer:
    return Importer(f"parallel-import-test-{uuid.uuid4().hex[:8]}", "并行导入测试")


def comparable(report) -> dict:
    """The report without ``duplicate_faces``: the check searches the session's whole registry,
    where the first import's copies of these photos are the second's duplicates."""
    return {name: value for name, value in report.as_dict().items() if name != "duplicate_faces"}


def test_the_pool_imports_what_one_photo_after_another_imports(svc, photo_dir, embed_log_path):
    suffix = uuid.uuid4().hex[:6]
    serial_csv, serial_numbers = registry_rows(photo_dir, f"逐张导入市{suffix}")
    pooled_csv, pooled_numbers = registry_rows(photo_dir, f"并行导入市{suffix}")

    serial = import_registry(svc, serial_csv, photo_dir, lambda id_key, _image: f"photo/{id_key}", importer())
    with PhotoPool(svc, workers=2, chunk_photos=4, embed=partial(logged_embed, str(embed_log_path), None)) as pool:
        pooled = import_registry(svc, pooled_csv, photo_dir, lambda id_key, _image: f"photo/{id_key}",
                                 importer(), photo_pool=pool)

    assert comparable(pooled) == comparable(serial)
    assert {error.message[:9] for error in serial.errors} == {"照片中未检测到人脸", "照片文件无法识别，"}
    assert serial.written == 28 and [error.line for error in serial.errors] == [30, 31]
    for photo, number in serial_numbers.items():
        alone = registry.get_person(svc.vault.lookup("id", number))
        pooled_person = registry.get_person(svc.vault.lookup("id", pooled_numbers[photo]))
        assert (alone is None) == (pooled_person is None), photo
        if alone is not None:
            assert pooled_person.reference_embedding == alone.reference_embedding, photo
    log = embed_log(embed_log_path)
    assert sorted(digest for _, digest in log) == sorted(
        hashlib.sha256(path.read_bytes()).hexdigest() for path in photo_dir.iterdir())
    assert pool.embedded == 30
    # Embedded by the workers (both, unless one started late enough for the other to take every chunk).
    assert 1 <= len({pid for pid, _ in log}) <= 2 and os.getpid() not in {pid for pid, _ in log}


def test_an_import_run_again_after_a_crash_embeds_and_writes_each_photo_once(svc, photo_dir, embed_log_path):
    csv_text, numbers = registry_rows(photo_dir, f"续导测试市{uuid.uuid4().hex[:6]}")
    who = importer()
    stored: list[str] = []

    def store_photo(id_key: str, _image: bytes) -> str:
        stored.append(id_key)
        return f"photo/{id_key}"

    crashing = partial(logged_embed, str(embed_log_path), 5)  # each worker embeds 5 photos, then fails on its 6th
    with pytest.raises(WorkerCrash), PhotoPool(svc, workers=2, chunk_photos=4, embed=crashing) as pool:
        import_registry(svc, csv_text, photo_dir, store_photo, who, photo_pool=pool)
    first_run = embed_log(embed_log_path)
    written_first = set(stored)
    assert 0 < len(written_first) < len(first_run) <= 10  # rows written, and photos embedded ahead of them

    with PhotoPool(svc, workers=2, chunk_photos=4, embed=partial(logged_embed, str(embed_log_path), None)) as pool:
        report = import_registry(svc, csv_text, photo_dir, store_photo, who, photo_pool=pool)

    assert (report.rows, report.written, report.unchanged) == (30, 28 - len(written_first), len(written_first))
    assert [error.line for error in report.errors] == [30, 31]
    assert pool.embedded == 30 - len(first_run)
    digests = Counter(digest for _, digest in embed_log(embed_log_path))
    assert digests == Counter({hashlib.sha256(path.read_bytes()).hexdigest(): 1 for path in photo_dir.iterdir()})
    accepted = {svc.vault.lookup("id", number) for photo, number in numbers.items()
                if photo not in ("wall.jpg", "torn.jpg")}
    assert Counter(stored) == Counter(dict.fromkeys(accepted, 1))
    assert all(registry.get_person(key).reference_embedding for key in accepted)
    day = svc.clock.now().date()
    events, _ = audit.page(first=day - timedelta(days=1), last=day + timedelta(days=1), size=100, actor=who.actor)
    assert Counter(event.action for event in events) == {"import_row": 28}
