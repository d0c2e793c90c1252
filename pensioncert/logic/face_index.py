"""Every reference template in one vector index, asked which templates lie within a distance of a
face: the 1:N search behind the duplicate-face check (``logic.duplicate_faces``).

faiss (Meta's similarity-search library, ``faiss-cpu``) holds the 128-d dlib templates as float32.
Up to EXACT_UP_TO templates the index is a flat one (every distance computed: exact, and at a
city's size still milliseconds a face); above it an inverted file (IVF): k-means cells over the
templates, a face compared only with the templates of its SEARCHED_CELLS nearest cells, which is
what keeps a province's millions searchable in one process. Recall of the IVF against brute force
is measured in bench/duplicate_faces_bench.py.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

DIMENSIONS = 128  # dlib's face descriptor
EXACT_UP_TO = 200_000
# About the square root of the number of templates (faiss's guideline is 4-16 times it for speed;
# fewer, larger cells cost more per query but train faster and lose less recall).
CELLS_PER_SQRT = 1
SEARCHED_CELLS = 32
TRAINING_SAMPLE = 100_000
# A face is compared with at most this many nearest templates before the distance limit applies:
# far more registrations of one face than a fraud ring would make.
NEAREST = 32


@dataclass(frozen=True)
class Neighbour:
    position: int  # in the templates the index was built from
    distance: float  # Euclidean, on the templates as stored


class FaceIndex:
    """The templates (an ``(n, 128)`` array), searchable by Euclidean distance."""

    def __init__(self, templates: np.ndarray) -> None:
        import faiss

        vectors = np.ascontiguousarray(templates, dtype=np.float32).reshape(-1, DIMENSIONS)
        self.size = len(vectors)
        if self.size <= EXACT_UP_TO:
            self._index = faiss.IndexFlatL2(DIMENSIONS)
        else:
            cells = max(1, int(CELLS_PER_SQRT * math.sqrt(self.size)))
            quantizer = faiss.IndexFlatL2(DIMENSIONS)
            index = faiss.IndexIVFFlat(quantizer, DIMENSIONS, cells)
            sample = np.random.default_rng(0).choice(self.size, min(self.size, TRAINING_SAMPLE), replace=False)
            index.train(vectors[np.sort(sample)])
            index.nprobe = SEARCHED_CELLS
            self._quantizer = quantizer  # faiss keeps a pointer only: the quantizer must outlive the index
            self._index = index
        if self.size:
            self._index.add(vectors)

    @property
    def kind(self) -> str:
        """The faiss index it is (``IndexFlatL2`` or ``IndexIVFFlat``)."""
        return type(self._index).__name__

    def nearest(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` nearest templates of each query: (positions, Euclidean distances), -1 where
        there are fewer."""
        vectors = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, DIMENSIONS)
        squared, positions = self._index.search(vectors, min(k, max(self.size, 1)))
        return positions, np.sqrt(np.maximum(squared, 0.0))

    def within(self, queries: np.ndarray, max_distance: float) -> list[list[Neighbour]]:
        """For each query, the templates at most ``max_distance`` from it (itself included if it
        is in the index), nearest first, at most NEAREST."""
        positions, distances = self.nearest(queries, NEAREST)
        return [[Neighbour(int(p), float(d)) for p, d in zip(row_p, row_d, strict=True)
                 if p >= 0 and d <= max_distance]
                for row_p, row_d in zip(positions, distances, strict=True)]
