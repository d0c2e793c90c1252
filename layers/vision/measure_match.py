"""Measure face-match FAR and FRR on the dev set, to choose matching.MATCH_THRESHOLD and REVIEW_THRESHOLD.

    PYTHONPATH=layers/vision python layers/vision/measure_match.py [DEVSET]

DEVSET defaults to ../shared/vision-devset. Two populations, both embedded with the shipped
detector + dlib embedder:
- faces/ (photo vs photo, years apart): every same-person pair is genuine, EVERY different-person
  pair is an impostor (not only pairs.txt's sample). Photos go through the photo path (tiled
  detection with the full-range fallback), like a registry photo.
- footage (reference photo vs live frames): reference/<p>.jpg through the photo path; every frame of
  every genuine liveness step through the live path (short-range only). A frame of p against p's
  reference is genuine, against anyone else's reference an impostor. Each frame counts on its own
  (any frame could be the one a session embeds), so the figures are per frame, not per session.
  The reference is a frame of the same recording, so genuine footage scores are those of one
  occasion: they bound FRR from below, they say nothing about ageing between registry photo and
  certification. The session score (decide_session with the reference, as the product computes it)
  is listed for every genuine step.
Prints the score distributions, FAR/FRR for a grid of thresholds, and the per-person scores.
"""

import csv
import sys
from itertools import combinations
from pathlib import Path

import numpy as np

from vision import matching
from vision.decode import decode_image
from vision.detector import get_detector
from vision.embedder import get_embedder
from vision.errors import VisionError
from vision.evaluate import devset_dir
from vision.session import decide_session

GRID = [round(0.40 + 0.025 * i, 3) for i in range(15)]  # 0.400 … 0.750


def embed(data: bytes, photo: bool):
    try:
        img = decode_image(data)
    except VisionError:
        return None
    dets = get_detector().detect(img, tiled=photo)
    return get_embedder().embed(img, dets[0]) if dets else None


def _q(a, p) -> str:
    return f"{np.percentile(a, p):.3f}" if len(a) else "-"


def describe(name: str, gen: np.ndarray, imp: np.ndarray) -> None:
    print(f"\n## {name}: {len(gen)} genuine, {len(imp)} impostor pairs")
    print(f"genuine  min {gen.min():.3f}  p1 {_q(gen, 1)}  p5 {_q(gen, 5)}  median {_q(gen, 50)}")
    print(f"impostor max {imp.max():.3f}  p99.9 {_q(imp, 99.9)}  p99 {_q(imp, 99)}  median {_q(imp, 50)}")
    print("| threshold | FAR | false accepts | FRR | false rejects |")
    print("|---|---|---|---|---|")
    for t in GRID + [matching.REVIEW_THRESHOLD, matching.MATCH_THRESHOLD]:
        fa, fr = int((imp >= t).sum()), int((gen < t).sum())
        print(f"| {t:.3f} | {fa / len(imp):.5f} | {fa} | {fr / len(gen):.4f} | {fr} |")


def faces(root: Path) -> tuple[np.ndarray, np.ndarray]:
    photos = sorted(p for p in (root / "faces").glob("*/*.jpg"))
    embs = {p: embed(p.read_bytes(), photo=True) for p in photos}
    failed = [p.name for p, e in embs.items() if e is None]
    print(f"faces/: {len(photos)} photos, {len(failed)} with no usable face {failed}")
    gen, imp = [], []
    ok = [p for p in photos if embs[p] is not None]
    for a, b in combinations(ok, 2):
        (gen if a.parent.name == b.parent.name else imp).append(matching.similarity(embs[a], embs[b]))
    gen, imp = np.array(gen), np.array(imp)
    describe("faces/ photo vs photo (all pairs)", gen, imp)
    worst = sorted(((matching.similarity(embs[a], embs[b]), a.stem, b.stem) for a, b in combinations(ok, 2)
                    if a.parent.name != b.parent.name), reverse=True)[:5]
    print("closest impostor pairs: " + "; ".join(f"{s:.3f} {a} / {b}" for s, a, b in worst))
    return gen, imp


def footage(root: Path) -> None:
    with (root / "labels.csv").open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["kind"] == "genuine"]
    refs = {p.stem: p for p in sorted((root / "reference").glob("*.jpg"))}
    ref_emb = {p: embed(path.read_bytes(), photo=True) for p, path in refs.items()}
    missing = [p for p, e in ref_emb.items() if e is None]
    print(f"\nreference/: {len(refs)} photos, {len(missing)} with no usable face {missing}")
    gen, imp, per_person, sessions = [], [], {}, []
    for r in rows:
        seq = root / "liveness" / r["sequence"]
        raw = [p.read_bytes() for p in sorted(seq.iterdir()) if p.suffix.lower() == ".jpg"]
        person = r["person"]
        for data in raw:
            e = embed(data, photo=False)
            if e is None:
                continue
            for q, re in ref_emb.items():
                if re is None:
                    continue
                s = matching.similarity(e, re)
                if q == person:
                    gen.append(s)
                    per_person.setdefault(person, []).append(s)
                else:
                    imp.append(s)
        try:
            d = decide_session([(r["challenge"], raw)], [ref_emb[person]])
            sessions.append((r["sequence"], person, f"{d.similarity:.3f}"))
        except VisionError as e:
            sessions.append((r["sequence"], person, f"{e.code}:{e.detail}"))
    ref_imp = [matching.similarity(ref_emb[a], ref_emb[b]) for a, b in combinations(sorted(ref_emb), 2)
               if ref_emb[a] is not None and ref_emb[b] is not None]
    describe("footage: reference vs live frames (per frame)", np.array(gen), np.array(imp))
    print(f"reference vs reference (28 people, {len(ref_imp)} impostor pairs): max {max(ref_imp):.3f}")
    print("\n| person | frames | min | median | max |")
    print("|---|---|---|---|---|")
    for p, v in sorted(per_person.items()):
        print(f"| {p} | {len(v)} | {min(v):.3f} | {np.median(v):.3f} | {max(v):.3f} |")
    print("\n| genuine step | person | decide_session with the reference |")
    print("|---|---|---|")
    for seq, p, out in sessions:
        print(f"| {seq} | {p} | {out} |")


def main(argv: list[str]) -> int:
    root = Path(argv[0]) if argv else devset_dir()
    print(f"dev set: {root}; shipped MATCH_THRESHOLD {matching.MATCH_THRESHOLD}, REVIEW_THRESHOLD {matching.REVIEW_THRESHOLD}")
    faces(root)
    footage(root)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
