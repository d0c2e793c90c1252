"""Where "the same frame" ends: Hamming distances of frame fingerprints (vision/fingerprint.py) on
the dev set, and the threshold placed between them.

- copies: every genuine frame against itself re-encoded (JPEG 30-95), shifted 1-2 px, scaled
  0.95-1.05, mirrored (compared through the mirror hash), and combinations: what a replay sends.
- genuine: frames of the same recording in two windows that do not overlap (other labelled genuine
  sequences of that source): what a real person re-performing sends. A talking head in front of a
  fixed camera and background is the hardest case a real session meets.

The threshold (pensioncert/rules/frames.py SAME_FRAME_BITS) is the most lenient at which no genuine
step counts as a repeat (STEP_SHARE of its frames within it); the share of replayed steps each copy
kind gets refused at it is printed beside the distances. ``--write`` puts it there with the figures.

    PYTHONPATH=layers/vision:. .venv/bin/python layers/vision/measure_fingerprints.py [--write]
"""
from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

import cv2
import numpy as np

from vision.fingerprint import hashes

REPO = Path(__file__).resolve().parents[2]
DEVSET = REPO.parent / "shared" / "vision-devset"
RULE = REPO / "pensioncert" / "rules" / "frames.py"


def _jpeg(img: np.ndarray, quality: int) -> bytes:
    return cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])[1].tobytes()


def _shift(img: np.ndarray, dx: int, dy: int) -> np.ndarray:
    m = np.float32([[1, 0, dx], [0, 1, dy]])
    return cv2.warpAffine(img, m, (img.shape[1], img.shape[0]), borderMode=cv2.BORDER_REPLICATE)


def _scale(img: np.ndarray, factor: float) -> np.ndarray:
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), 0, factor)
    return cv2.warpAffine(img, m, (w, h), borderMode=cv2.BORDER_REPLICATE)


TRANSFORMS = {
    "jpeg30": lambda img: _jpeg(img, 30),
    "jpeg60": lambda img: _jpeg(img, 60),
    "jpeg95": lambda img: _jpeg(img, 95),
    "shift1": lambda img: _jpeg(_shift(img, 1, 0), 90),
    "shift2": lambda img: _jpeg(_shift(img, 2, 2), 90),
    "scale0.95": lambda img: _jpeg(_scale(img, 0.95), 90),
    "scale1.05": lambda img: _jpeg(_scale(img, 1.05), 90),
    "mirror": lambda img: _jpeg(cv2.flip(img, 1), 90),
    "mirror+shift+scale+jpeg50": lambda img: _jpeg(_scale(_shift(cv2.flip(img, 1), 1, 1), 1.03), 50),
}


def seen(print_: tuple[int, int], stored: int) -> int:
    """As the API compares: the closer of the frame and its mirror to a stored frame."""
    return min((print_[0] ^ stored).bit_count(), (print_[1] ^ stored).bit_count())


def _sequences():
    with (DEVSET / "labels.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["kind"] != "genuine":
                continue
            m = re.match(r"(\d+)-(\d+) step (\d+)", row["frames"])
            assert m, row["frames"]
            start, step = int(m[1]), int(m[3])
            files = sorted((DEVSET / "liveness" / row["sequence"]).glob("*.jpg"))
            yield row["source_path"], row["sequence"], [(start + i * step, f.read_bytes()) for i, f in enumerate(files)]


def _prints(frames):
    from pensioncert.rules.frames import FramePrint

    return [FramePrint(*hashes(data)) for _, data in frames]


def _offsets(sequences, prints):
    start = 0
    for _, seq, _ in sequences:
        yield start, seq
        start += len(prints[seq])


def measure() -> dict:
    from pensioncert.rules import frames as rule

    sequences = list(_sequences())
    prints = {seq: _prints(frames) for _, seq, frames in sequences}
    index = {seq: [i for i, _ in frames] for _, seq, frames in sequences}
    copies: dict[str, list[int]] = {name: [] for name in TRANSFORMS}
    for _, seq, frames in sequences:
        for (_, data), original in zip(frames, prints[seq], strict=True):
            img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
            for name, transform in TRANSFORMS.items():
                copies[name].append(seen(hashes(transform(img)), original.hash))
    # Each genuine step against every other window of its recording that does not overlap it, all
    # together (as a subject's stored sessions are): the share of its frames that would count as seen.
    by_source: dict[str, list[str]] = {}
    for source, seq, _ in sequences:
        by_source.setdefault(source, []).append(seq)
    pairs = []
    for seqs in by_source.values():
        for a in seqs:
            others = [b for b in seqs if b != a and not (min(index[b]) <= max(index[a]) and min(index[a]) <= max(index[b]))]
            if others:
                pairs.append((prints[a], [f.hash for b in others for f in prints[b]]))
    nearest = [min(seen((f.hash, f.mirror), s) for s in stored) for step, stored in pairs for f in step]

    def genuine_max_share(bits: int) -> float:
        return max(sum(1 for f in step if min(seen((f.hash, f.mirror), s) for s in stored) <= bits) / len(step)
                   for step, stored in pairs)

    # The most lenient threshold at which no genuine step is a repeat: as much of a replay's copies
    # caught as real re-performances allow.
    threshold = max(bits for bits in range(65) if genuine_max_share(bits) < rule.STEP_SHARE)
    rule.SAME_FRAME_BITS = threshold
    steps_caught = {name: float(np.mean([
        sum(d <= threshold for d in copies[name][start:start + len(prints[seq])])
        >= max(2, np.ceil(rule.STEP_SHARE * len(prints[seq])))
        for start, seq in _offsets(sequences, prints)])) for name in TRANSFORMS}
    return {"copies": {k: (max(v), float(np.percentile(v, 95)), steps_caught[k]) for k, v in copies.items()},
            "threshold": threshold, "genuine_steps": len(pairs), "genuine_max_share": genuine_max_share(threshold),
            "genuine_nearest_min": min(nearest), "genuine_nearest_p05": float(np.percentile(nearest, 5)),
            "step_share": rule.STEP_SHARE}


def main() -> None:
    figures = measure()
    for name, (worst, p95, caught) in figures["copies"].items():
        print(f"copy {name:28s} frame distance max {worst:3d} p95 {p95:5.1f} bits; steps refused {caught:.2f}")
    print(f"genuine steps vs the other windows of their recording ({figures['genuine_steps']}): nearest frame "
          f"min {figures['genuine_nearest_min']}, p05 {figures['genuine_nearest_p05']:.0f} bits; highest share of "
          f"a step within {figures['threshold']} bits: {figures['genuine_max_share']:.2f}")
    print(f"SAME_FRAME_BITS = {figures['threshold']} (the most lenient at which no genuine step repeats)")
    if figures["genuine_max_share"] >= figures["step_share"]:
        sys.exit(f"a genuine step would be refused as a repeat (share {figures['genuine_max_share']:.2f} >= "
                 f"STEP_SHARE {figures['step_share']})")
    if "--write" in sys.argv:
        text = RULE.read_text(encoding="utf-8")
        text = re.sub(r"SAME_FRAME_BITS = \d+", f"SAME_FRAME_BITS = {figures['threshold']}", text)
        text = re.sub(r"GENUINE_MAX_SHARE = [\d.]+", f"GENUINE_MAX_SHARE = {figures['genuine_max_share']:.2f}", text)
        RULE.write_text(text, encoding="utf-8")
        print(f"written to {RULE}")


if __name__ == "__main__":
    main()
