"""A registry import with photos (issue 22): photos per second one photo after another (no pool, as
the admin upload imports) and with ``PhotoPool`` (logic/import_photos.py, as `make import` does),
on this machine, against an emulator of its own; and what that makes of a province's 10 million.

    PYTHONPATH=layers/vision .venv/bin/python bench/import_bench.py [--photos 200] [--workers N] [--width 720]

Against the emulator a row's writes (about a dozen DynamoDB calls: record, card, counters, audit,
claim re-check, the duplicate-face check) cost more than its photo, so the photos' stage is also
timed alone (embedding, and the pool's recording of each result): that is what the pool speeds up.

The photos are the vision dev set's 28 registry photos (reference/, ../shared/vision-devset), each
copy made a photo of its own by a JPEG comment (same pixels, other bytes: no recorded result applies).
Each import is of ``--photos`` new people, so every photo is detected, aligned and embedded. The
pool is started first and timed apart (spawned processes, each loading the models once: seconds,
once per import). The same pooled file imported again shows the rerun: every row unchanged, nothing
embedded.
"""
from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "layers" / "vision")]

import devset  # noqa: E402
import numpy as np  # noqa: E402
from support import free_port, unique_id_number  # noqa: E402

from localstage import devstack  # noqa: E402

HEADER = "id_number,name,region,unit,status,card_status,card_password,photo\n"
PROVINCE = 10_000_000
ROUNDS = 3


def photo_copies(folder: Path, count: int, width: int = 0) -> list[str]:
    """``count`` distinct photo files in ``folder`` from the dev set's registry photos, taken in turn
    (``width``: scaled to that many pixels wide first; 0: as stored)."""
    import cv2

    sources = [path.read_bytes() for path in sorted(devset.reference_dir().glob("*.jpg"))]
    if width:
        scaled = []
        for data in sources:
            image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
            image = cv2.resize(image, (width, round(image.shape[0] * width / image.shape[1])),
                               interpolation=cv2.INTER_CUBIC)
            scaled.append(cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes())
        sources = scaled
    names = []
    for i in range(count):
        data = sources[i % len(sources)]
        marker = f"import-bench {i} {uuid.uuid4().hex}".encode()
        name = f"photo{i:05d}.jpg"
        (folder / name).write_bytes(data[:2] + b"\xff\xfe" + (len(marker) + 2).to_bytes(2, "big") + marker + data[2:])
        names.append(name)
    return names


def registry_csv(photos: list[str], region: str) -> str:
    return HEADER + "".join(f"{unique_id_number(1955)},测试人员,{region},测试单位,recipient,,,{photo}\n"
                            for photo in photos)


def timed_import(svc, text: str, folder: Path, pool=None):
    from pensioncert.logic.registry_import import import_registry

    started = time.perf_counter()
    report = import_registry(svc, text, folder, lambda id_key, _image: f"photo/{id_key}", photo_pool=pool)
    return report, time.perf_counter() - started


def embed_alone(svc, images: list[bytes], pool=None) -> float:
    """Seconds to embed the photos: one after another in this process (its models loaded), or by
    ``pool`` (each result's conditional put included)."""
    from pensioncert.logic.import_photos import PhotoTask
    from pensioncert.vision_client import VisionRefusal

    started = time.perf_counter()
    if pool is None:
        for image in images:
            with contextlib.suppress(VisionRefusal):
                svc.vision.embed_reference(image)
    else:
        tasks = [PhotoTask(f"bench-{uuid.uuid4().hex}", image) for image in images]
        for _ in pool.results_in_order(tasks, lambda task: task):
            pass
    return time.perf_counter() - started


def serial_run(folder: Path, photos: list[str]):
    """In an emulator of its own: the import one photo after another."""
    from pensioncert.services import services

    with devstack.provisioned_emulator(emulator_port=free_port(), api_port=free_port()):
        return timed_import(services(), registry_csv(photos, "逐张导入基准市"), folder)


def pooled_run(folder: Path, photos: list[str], images: list[bytes], workers: int):
    """In an emulator of its own (the duplicate-face check would otherwise list the serial run's
    copies): the pool started; the photos alone, one after another and by the pool, in turn
    ``ROUNDS`` times (the machine's other load moves between runs); the import; the same file again."""
    from pensioncert.logic.import_photos import CHUNK_PHOTOS, PhotoPool
    from pensioncert.services import services

    with devstack.provisioned_emulator(emulator_port=free_port(), api_port=free_port()), \
            PhotoPool(services(), workers) as pool:
        svc = services()
        start_s = embed_alone(svc, images[:CHUNK_PHOTOS * workers * 2], pool)  # starts the workers
        rounds = [(embed_alone(svc, images), embed_alone(svc, images, pool)) for _ in range(ROUNDS)]
        serial_s, embed_s = (statistics.median(times) for times in zip(*rounds, strict=True))
        before = pool.embedded
        text = registry_csv(photos, "并行导入基准市")
        report, import_s = timed_import(svc, text, folder, pool)
        embedded = pool.embedded - before
        again, again_s = timed_import(svc, text, folder, pool)
        return (start_s, serial_s, embed_s, report, import_s, embedded, again, again_s,
                pool.embedded - before - embedded)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--workers", type=int, default=0, help="0: one per core (import_photo_workers' default)")
    parser.add_argument("--width", type=int, default=0,
                        help="the photos scaled to this width first (the dev set's are 360-590 px; 0: as stored)")
    args = parser.parse_args(argv)
    import build_models

    from pensioncert.logic.import_photos import CHUNK_PHOTOS, worker_count
    from pensioncert.settings import get_settings

    build_models.build()
    workers = args.workers or worker_count(get_settings())
    n = args.photos
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        photos = photo_copies(folder, n, args.width)
        images = [(folder / photo).read_bytes() for photo in photos]
        print(f"{n} photos of {sum(map(len, images)) / n / 1024:.0f} KB on average, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start; "
              f"each emulator runs in its own process")
        serial, serial_s = serial_run(folder, photos)
        start_s, embed_serial_s, embed_pooled_s, pooled, pooled_s, embedded, again, again_s, embedded_again = \
            pooled_run(folder, photos, images, workers)

    same = serial.as_dict() == pooled.as_dict()
    print(f"the pool of {workers} workers started (spawned, models loaded, {CHUNK_PHOTOS * workers * 2} "
          f"photos) in {start_s:.1f} s")
    print(f"photos alone (median of {ROUNDS} rounds), one after another: {n / embed_serial_s:.2f} photos/s; pool of {workers} "
          f"(chunks of {CHUNK_PHOTOS}): {n / embed_pooled_s:.2f} photos/s, x{embed_serial_s / embed_pooled_s:.2f}")
    print(f"whole import, one photo after another: {serial_s:.1f} s, {n / serial_s:.2f} photos/s "
          f"({serial.written} written, {len(serial.errors)} refused)")
    print(f"whole import, the pool: {pooled_s:.1f} s, {n / pooled_s:.2f} photos/s ({embedded} embedded; "
          f"same report: {same})")
    print(f"the same file again: {again_s:.1f} s, {again.unchanged} unchanged, {embedded_again} embedded")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    for label, seconds in (("one after another", embed_serial_s), (f"{workers} workers", embed_pooled_s)):
        print(f"{PROVINCE:,} photos' embedding, {label}: {PROVINCE * seconds / n / 86400:.1f} days")
    per_worker = n / embed_pooled_s / workers
    print(f"per worker {per_worker:.2f} photos/s: {PROVINCE:,} photos in 8 h need "
          f"{PROVINCE / (8 * 3600) / per_worker:.0f} workers (a distributed map's concurrent chunks)")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
