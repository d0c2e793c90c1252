"""How close a copy of a reference comes to it, against a genuine second photo of the same person:
the measurement behind the four-eyes copy check (pensioncert/rules/four_eyes.py).

For every person of the dev faces (``../shared/vision-devset/faces``) the first photo is the
reference. Copies of it are made as a rogue operator would make a "visit photo": mirrored, cropped,
re-photographed (the reference printed or on a screen and photographed again: a perspective tilt,
resampling, blur, a colour cast, sensor noise, JPEG), and all three at once. Each photo is scored as
the check scores it: the higher similarity of the photo and of its mirror to the reference. The
genuine side is every other photo of the same person. Writes the figures to
``pensioncert/rules/visit_photo_copies.json`` (the rule places its threshold from them) and prints
them. Run: ``.venv/bin/python bench/visit_photo_copies.py``.
"""
from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "layers" / "vision"))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from vision import VisionError, embed_reference_and_mirror, similarity  # noqa: E402

FACES = REPO.parent / "shared" / "vision-devset" / "faces"
OUT = REPO / "pensioncert" / "rules" / "visit_photo_copies.json"


def encode(img: np.ndarray, quality: int = 92) -> bytes:
    return cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])[1].tobytes()


def mirror(img: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(img[:, ::-1])


def crop(img: np.ndarray, keep: float = 0.8, dx: float = 0.05) -> np.ndarray:
    h, w = img.shape[:2]
    ch, cw = int(h * keep), int(w * keep)
    x0 = int((w - cw) / 2 + dx * w)
    y0 = (h - ch) // 2
    return cv2.resize(img[y0:y0 + ch, x0:x0 + cw], (w, h), interpolation=cv2.INTER_CUBIC)


def rephoto(img: np.ndarray, seed: int) -> np.ndarray:
    """The reference printed or shown on a screen and photographed again."""
    rng = np.random.default_rng(seed)
    h, w = img.shape[:2]
    corners = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    tilt = (corners + rng.uniform(-0.06, 0.06, corners.shape) * [w, h]).astype(np.float32)
    out = cv2.warpPerspective(img, cv2.getPerspectiveTransform(corners, tilt), (w, h),
                              borderMode=cv2.BORDER_REPLICATE)
    small = cv2.resize(out, (int(w * 0.7), int(h * 0.7)), interpolation=cv2.INTER_AREA)
    out = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    out = cv2.GaussianBlur(out, (0, 0), 0.8)
    cast = np.array(rng.uniform(0.85, 1.1, 3), np.float32)
    out = np.clip(out.astype(np.float32) * cast + rng.normal(0, 4, out.shape), 0, 255).astype(np.uint8)
    return cv2.imdecode(np.frombuffer(encode(out, 75), np.uint8), cv2.IMREAD_COLOR)


def copy_score(photo: bytes, reference: list[float]) -> float | None:
    """The check's score: the photo and its mirror against the reference, the higher."""
    try:
        embedding, mirrored = embed_reference_and_mirror(photo)
    except VisionError:
        return None
    return max(similarity(embedding, reference), similarity(mirrored, reference))


def main() -> None:
    copies: dict[str, list[float]] = {"mirror": [], "crop": [], "rephoto": [], "mirror_crop_rephoto": []}
    genuine: list[float] = []
    refused = 0
    people = sorted(p for p in FACES.iterdir() if p.is_dir())
    for index, person in enumerate(people):
        photos = sorted(person.glob("*.jpg"))
        if len(photos) < 2:
            continue
        reference_image = cv2.imread(str(photos[0]), cv2.IMREAD_COLOR)
        try:
            reference = embed_reference_and_mirror(photos[0].read_bytes())[0]
        except VisionError:
            refused += 1
            continue
        made = {"mirror": mirror(reference_image), "crop": crop(reference_image),
                "rephoto": rephoto(reference_image, index),
                "mirror_crop_rephoto": rephoto(crop(mirror(reference_image), 0.85, -0.03), 1000 + index)}
        for kind, image in made.items():
            score = copy_score(encode(image), reference)
            if score is None:
                refused += 1
            else:
                copies[kind].append(round(score, 4))
        for other in photos[1:]:
            score = copy_score(other.read_bytes(), reference)
            if score is None:
                refused += 1
            else:
                genuine.append(round(score, 4))
    figures = {
        "people": len(people), "refused_by_quality_gate": refused,
        "copies": {kind: {"n": len(v), "min": min(v), "median": float(np.median(v)), "max": max(v)}
                   for kind, v in copies.items()},
        "genuine_second_photo": {"n": len(genuine), "min": min(genuine), "median": float(np.median(genuine)),
                                 "max": max(genuine)},
    }
    OUT.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(figures, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
