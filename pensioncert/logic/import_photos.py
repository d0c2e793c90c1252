"""A registry import's photos embedded in chunks, by a pool of worker processes (issue 22), and each
photo's result recorded, so that an import run again after a crash embeds only what nobody recorded.

A chunk is ``CHUNK_PHOTOS`` photos and ``embed_chunk`` is what is done with it: here one call in a
worker process of ``PhotoPool``; deployed, one item batch of a Step Functions distributed map
(``ItemBatcher.MaxItemsPerBatch = CHUNK_PHOTOS``), whose iteration runs the same ``embed_chunk``
with the vision function invoked per photo. Either way each photo's result (its template, or
vision's refusal code) is written by a conditional put (``dal.photo_results``) as soon as it is
known, and a chunk first reads which of its photos already have one.

The rows themselves are still written by the importing process, in the file's order, by the same
code as one photo after another: only the templates come from here.
"""
from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, TypeVar

from pensioncert.dal import photo_results

if TYPE_CHECKING:
    from pensioncert.pii import PiiVault
    from pensioncert.services import Services
    from pensioncert.settings import Settings
    from pensioncert.vision_client import VisionClient

# About 0.5-1 s of one core per chunk (a dev-set registry photo is 25-60 ms to detect, align and
# embed here; bench/import_bench.py): a worker's round trip is noise beside it. Each photo's result
# is recorded as it comes, so a bigger chunk (a distributed map's batch may take hundreds) loses
# nothing more in a crash; it only spreads the file's last chunks less evenly over the workers.
CHUNK_PHOTOS = 16
# Rows without a photo ride with the photos' chunk; a file of few photos is still read in bounded steps.
CHUNK_ROWS = 2000
# Chunks read ahead of the row being written, per worker: the pool never waits for the reader.
CHUNKS_AHEAD_PER_WORKER = 2
# A photo's recorded result serves the reruns of an import; DynamoDB's TTL removes it after this.
RESULTS_KEPT_DAYS = 14

T = TypeVar("T")


@dataclass(frozen=True)
class PhotoTask:
    photo_key: str  # the photo's keyed digest (``photo_key``): where its result is recorded
    image: bytes


@dataclass(frozen=True)
class PhotoResult:
    template: list[float] | None = None
    refusal: str | None = None  # vision's code: NO_FACE, MULTIPLE_FACES, POOR_QUALITY, IMAGE_INVALID


@dataclass(frozen=True)
class ChunkResult:
    results: dict[str, PhotoResult]  # by photo_key
    embedded: int  # how many of them this chunk embedded (the others were recorded before)


def photo_key(vault: PiiVault, image: bytes) -> str:
    """A photo's key by its bytes, keyed (the same photo is the same key in every import)."""
    return vault.lookup("import-photo", hashlib.sha256(image).hexdigest())


def embed_reference(vision: VisionClient, image: bytes) -> list[float]:
    return vision.embed_reference(image)


Embed = Callable[["VisionClient", bytes], list[float]]


def embed_chunk(vision: VisionClient, tasks: list[PhotoTask], *, expires_at: int,
                embed: Embed = embed_reference) -> ChunkResult:
    """The unit of work (a worker's call here, a distributed map's item batch deployed): the photos'
    results, each recorded as soon as vision answers; a photo already recorded is not embedded."""
    from pensioncert.vision_client import VisionRefusal

    results = {key: PhotoResult(template, refusal)
               for key, (template, refusal) in photo_results.recorded({t.photo_key for t in tasks}).items()}
    embedded = 0
    for task in tasks:
        if task.photo_key in results:
            continue
        try:
            result = PhotoResult(template=embed(vision, task.image))
        except VisionRefusal as refusal:
            result = PhotoResult(refusal=refusal.code)
        # False when a worker with the same photo (two rows of one photo) recorded it first: the same answer.
        photo_results.record(task.photo_key, template=result.template, refusal=result.refusal,
                             expires_at=expires_at)
        results[task.photo_key] = result
        embedded += 1
    return ChunkResult(results, embedded)


def worker_count(settings: Settings) -> int:
    """``import_photo_workers``, or (0) one per core this process may run on."""
    return settings.import_photo_workers or len(os.sched_getaffinity(0))


# A worker process's vision client and embed function, made once by _start_worker: the vision
# models load on the worker's first photo and serve every chunk it is given after.
_worker: tuple[VisionClient, Embed] | None = None


def _start_worker(settings: Settings, embed: Embed) -> None:
    global _worker
    from pensioncert.dal.binding import bind_tables
    from pensioncert.pii import PiiVault
    from pensioncert.services import Services

    if settings.pii_key is None:
        raise RuntimeError("PC_PII_KEY must be set")
    bind_tables(settings)
    _worker = (Services(settings=settings, vault=PiiVault(settings.pii_key.get_secret_value())).vision, embed)


def _embed_in_worker(tasks: list[PhotoTask], expires_at: int) -> ChunkResult:
    if _worker is None:
        raise RuntimeError("not a photo worker")
    vision, embed = _worker
    return embed_chunk(vision, tasks, expires_at=expires_at, embed=embed)


@dataclass
class _Chunk(Generic[T]):
    items: list[tuple[T, PhotoTask | None]] = field(default_factory=list)

    @property
    def tasks(self) -> list[PhotoTask]:
        return [task for _, task in self.items if task is not None]


class PhotoPool:
    """Worker processes (``workers``; default ``worker_count``) that embed an import's photos by
    chunks, started at the first chunk when there is a second one (a file of one chunk or less, and
    ``workers == 1``, is embedded in the importing process, recorded the same way). Processes are
    spawned, not forked: the importing process may hold threads and loaded models."""

    def __init__(self, svc: Services, workers: int | None = None, chunk_photos: int = CHUNK_PHOTOS,
                 embed: Embed = embed_reference) -> None:
        self._svc = svc
        self.workers = workers or worker_count(svc.settings)
        self.chunk_photos = chunk_photos
        self._embed = embed
        self._executor: ProcessPoolExecutor | None = None
        self.embedded = 0  # photos embedded (not found recorded) in the chunks taken so far

    def __enter__(self) -> PhotoPool:
        return self

    def __exit__(self, *_exc) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def results_in_order(self, items: Iterable[T],
                         task_of: Callable[[T], PhotoTask | None]) -> Iterator[tuple[T, PhotoResult | None]]:
        """Each item with its photo's result (None: ``task_of`` gave it no photo), in the items'
        order; chunks are embedded ahead of the item being taken, a bounded number of them."""
        expires_at = int(self._svc.clock.now().timestamp()) + RESULTS_KEPT_DAYS * 86400
        pending: deque[tuple[_Chunk[T], Future[ChunkResult] | ChunkResult]] = deque()
        chunks = self._chunks(items, task_of)
        chunk = next(chunks, None)
        while chunk is not None:
            following = next(chunks, None)
            pending.append((chunk, self._start(chunk, expires_at, last=following is None)))
            while len(pending) > self.workers * CHUNKS_AHEAD_PER_WORKER:
                yield from self._taken(*pending.popleft())
            chunk = following
        while pending:
            yield from self._taken(*pending.popleft())

    def _chunks(self, items: Iterable[T], task_of: Callable[[T], PhotoTask | None]) -> Iterator[_Chunk[T]]:
        chunk: _Chunk[T] = _Chunk()
        photos = 0
        for item in items:
            task = task_of(item)
            chunk.items.append((item, task))
            photos += task is not None
            if photos == self.chunk_photos or len(chunk.items) == CHUNK_ROWS:
                yield chunk
                chunk, photos = _Chunk(), 0
        if chunk.items:
            yield chunk

    def _start(self, chunk: _Chunk[T], expires_at: int, last: bool) -> Future[ChunkResult] | ChunkResult:
        tasks = chunk.tasks
        if not tasks:
            return ChunkResult({}, 0)
        if self.workers == 1 or (self._executor is None and last):
            return embed_chunk(self._svc.vision, tasks, expires_at=expires_at, embed=self._embed)
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker, initargs=(self._svc.settings, self._embed))
        return self._executor.submit(_embed_in_worker, tasks, expires_at)

    def _taken(self, chunk: _Chunk[T], started: Future[ChunkResult] | ChunkResult,
               ) -> Iterator[tuple[T, PhotoResult | None]]:
        done = started.result() if isinstance(started, Future) else started
        self.embedded += done.embedded
        for item, task in chunk.items:
            yield item, None if task is None else done.results[task.photo_key]
