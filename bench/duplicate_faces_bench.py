"""The duplicate-face search (issue 22) at a province's scale, on synthetic templates built from the
dev faces' real embeddings:

    PYTHONPATH=layers/vision .venv/bin/python bench/duplicate_faces_bench.py [N] [QUERIES]

1. The dev faces (../shared/vision-devset/faces, 111 photos of 19 people) embedded by the registry's
   path (``vision.embed_reference``: the reference quality gate, then the template the import
   stores); what the list would hold if every accepted photo had its own ID number, at the rules'
   MATCH_THRESHOLD and, for comparison, at the review band's lower edge.
2. N synthetic templates (default 1,000,000): each a new identity, a real dev embedding plus
   Gaussian noise whose size is taken from the dev faces (the median distance between two people's
   photos, spread over 128 dimensions); DUPLICATE_SHARE of them a second registration of another
   identity (noise of the median same-person distance). Index build time, query time per face, peak
   memory, and recall against brute force (numpy, every distance) on QUERIES faces (default 2,000,
   half of them re-registrations): of the 10 nearest, and of the templates within the same-person
   distance.
"""
from __future__ import annotations

import math
import resource
import sys
import time
from itertools import combinations
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "layers" / "vision")]
FACES = REPO.parent / "shared" / "vision-devset" / "faces"
DUPLICATE_SHARE = 0.01
NEAREST_K = 10


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def dev_embeddings() -> tuple[np.ndarray, list[str], int]:
    """The accepted dev faces' templates, whose they are, and how many the quality gate refused."""
    import vision

    templates, people, refused = [], [], 0
    for path in sorted(FACES.glob("*/*.jpg")):
        try:
            templates.append(vision.embed_reference(path.read_bytes()))
        except vision.VisionError:
            refused += 1
            continue
        people.append(path.parent.name)
    return np.array(templates, np.float64), people, refused


def dev_face_figures(templates: np.ndarray, people: list[str]) -> tuple[float, float]:
    """Prints the dev faces' list at each threshold; returns the median same-person and
    different-person distances."""
    from vision import matching

    same, different = [], []
    for i, j in combinations(range(len(people)), 2):
        distance = float(np.linalg.norm(templates[i] - templates[j]))
        (same if people[i] == people[j] else different).append(distance)
    same_a, different_a = np.array(same), np.array(different)
    print(f"dev faces: {len(people)} photos accepted as references, {len(same)} same-person pairs, "
          f"{len(different)} different-person pairs")
    for label, threshold in (("MATCH_THRESHOLD", matching.MATCH_THRESHOLD),
                             ("REVIEW_THRESHOLD", matching.REVIEW_THRESHOLD)):
        radius = (1 - threshold) * matching.DISTANCE_SCALE
        found, wrong = int((same_a <= radius).sum()), int((different_a <= radius).sum())
        print(f"  at {label} {threshold}: same-person pairs listed {found}/{len(same)} "
              f"({found / len(same):.1%}), different-person pairs listed {wrong}/{len(different)}")
    return float(np.median(same_a)), float(np.median(different_a))


def synthetic(base: np.ndarray, n: int, person_sigma: float, photo_sigma: float,
              rng: np.random.Generator) -> np.ndarray:
    """n float32 templates: identities around the real ones, DUPLICATE_SHARE re-registrations."""
    duplicates = int(n * DUPLICATE_SHARE)
    identities = n - duplicates
    out = np.empty((n, base.shape[1]), np.float32)
    chunk = 200_000
    for start in range(0, identities, chunk):
        stop = min(identities, start + chunk)
        picks = rng.integers(0, len(base), stop - start)
        out[start:stop] = base[picks] + rng.normal(0, person_sigma, (stop - start, base.shape[1]))
    originals = rng.integers(0, identities, duplicates)
    out[identities:] = out[originals] + rng.normal(0, photo_sigma, (duplicates, base.shape[1]))
    return out


def brute_force(data: np.ndarray, queries: np.ndarray, k: int, radius: float):
    """Every distance, in numpy: the k nearest of each query and the set within ``radius``."""
    data_sq = np.einsum("ij,ij->i", data, data)
    nearest, within = [], []
    for start in range(0, len(queries), 250):
        q = queries[start:start + 250]
        d2 = data_sq[None, :] - 2.0 * (q @ data.T) + np.einsum("ij,ij->i", q, q)[:, None]
        top = np.argpartition(d2, k, axis=1)[:, :k]
        nearest += [set(row) for row in top]
        within += [set(np.flatnonzero(row <= radius * radius)) for row in d2]
    return nearest, within


def main(n: int, query_count: int) -> None:
    from pensioncert.logic.face_index import FaceIndex
    from vision import matching

    templates, people, refused = dev_embeddings()
    print(f"dev faces refused by the reference quality gate: {refused}")
    same_median, different_median = dev_face_figures(templates, people)
    radius = (1 - matching.MATCH_THRESHOLD) * matching.DISTANCE_SCALE
    spread = math.sqrt(2 * templates.shape[1])  # the distance between two draws of N(0, sigma) is sigma * spread
    rng = np.random.default_rng(22)
    t0 = time.perf_counter()
    data = synthetic(templates, n, different_median / spread, same_median / spread, rng)
    print(f"\n{n:,} synthetic templates ({DUPLICATE_SHARE:.0%} re-registrations) made in "
          f"{time.perf_counter() - t0:.1f} s; same-person distance {radius:.3f} (MATCH_THRESHOLD "
          f"{matching.MATCH_THRESHOLD}); peak RSS so far {peak_rss_mb():.0f} MB")

    t0 = time.perf_counter()
    index = FaceIndex(data)
    build_s = time.perf_counter() - t0
    print(f"index ({index.kind}) built in {build_s:.1f} s; peak RSS {peak_rss_mb():.0f} MB")

    # Half the queries are re-registrations, so the pairs to find are many enough to count.
    duplicates = int(n * DUPLICATE_SHARE)
    picks = np.concatenate([rng.choice(n - duplicates, query_count - query_count // 2, replace=False),
                            n - duplicates + rng.choice(duplicates, query_count // 2, replace=False)])
    queries = data[picks]
    t0 = time.perf_counter()
    found_within = index.within(queries, radius)
    query_s = time.perf_counter() - t0
    print(f"query (the check's search: the templates within the same-person distance): {query_count:,} faces "
          f"in {query_s:.2f} s = {1000 * query_s / query_count:.2f} ms per face (faiss on both cores)")
    found_nearest, _ = index.nearest(queries, NEAREST_K)

    t0 = time.perf_counter()
    true_nearest, true_within = brute_force(data, queries, NEAREST_K, radius)
    brute_s = time.perf_counter() - t0
    print(f"brute force (numpy): {1000 * brute_s / query_count:.2f} ms per face; peak RSS {peak_rss_mb():.0f} MB")

    hits = sum(len(true & {int(p) for p in found}) for true, found in zip(true_nearest, found_nearest, strict=True))
    print(f"recall of the {NEAREST_K} nearest: {hits / (NEAREST_K * query_count):.4f}")
    pairs = sum(len(true) - 1 for true in true_within)  # less the face itself
    pairs_found = sum(len(true & {nb.position for nb in found}) - 1
                      for true, found in zip(true_within, found_within, strict=True))
    print(f"recall of the templates within the same-person distance (the duplicate pairs): "
          f"{pairs_found}/{pairs} = {pairs_found / max(pairs, 1):.4f}")
    print(f"peak RSS of the run: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000,
         int(sys.argv[2]) if len(sys.argv) > 2 else 2_000)
