"""Place the face-match constants by measurement and write them to vision/match_calibration.py.

    PYTHONPATH=layers/vision python layers/vision/calibrate_match.py [DEVSET]     (make calibrate-match)

1. Alignment (embedder.dlib_box_from_blazeface / dlib_box_from_landmarks): on the dev set's reference
   frames and every 2nd genuine live frame (never faces/, where the match is judged), dlib's HOG
   detector (upsampled once) and BlazeFace are run on the same face; the medians of the HOG box's size
   and centre relative to the BlazeFace box, and relative to the 5 points dlib's predictor finds in
   the HOG box, are the constants.
2. Thresholds, with those constants in place: every impostor comparison of the dev set is embedded
   the way the product embeds it: faces/ every different-person photo pair (photo path), the 28
   reference frames against each other, each genuine live frame against the other people's
   references (any frame may be the one embedded), and each genuine window's fused embedding
   (session.fusion_frames) against the other references.
   - MATCH_THRESHOLD = the highest impostor similarity + MARGIN, rounded up to STEP: FAR 0 on every
     impostor comparison measured, with MARGIN to spare.
   - REVIEW_THRESHOLD (the band [REVIEW, MATCH) goes to a person, below it a flat refusal) = the
     REVIEW_QUANTILE quantile of all impostor similarities, rounded down to STEP: a pair less alike than
     that share of strangers is refused without review.
   FAR 0 at MATCH_THRESHOLD is in-sample by construction; the out-of-sample check printed and
   written beside it is leave-one-population-out: the threshold placed on footage impostors alone,
   FAR read on photo impostors, and the other way round.
"""

import contextlib
import csv
import math
import sys
from itertools import combinations
from pathlib import Path

import cv2
import numpy as np

MARGIN = 0.02
STEP = 0.005
REVIEW_QUANTILE = 0.95
OUT = Path(__file__).resolve().parent / "vision" / "match_calibration.py"


def devset() -> Path:
    return Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[3] / "shared" / "vision-devset"


def genuine_rows(root: Path) -> list[dict]:
    with (root / "labels.csv").open(encoding="utf-8", newline="") as f:
        return [r for r in csv.DictReader(f) if r["kind"] == "genuine"]


def measure_alignment(root: Path) -> tuple[tuple[float, ...], tuple[float, ...], int]:
    import dlib

    from vision.decode import decode_image
    from vision.detector import get_detector
    from vision.embedder import get_embedder, points

    hog, det, emb = dlib.get_frontal_face_detector(), get_detector(), get_embedder()
    files = sorted((root / "reference").glob("*.jpg")) + sorted((root / "liveness" / "genuine").glob("*/*/*.jpg"))[::2]
    rel, lm = [], []
    for p in files:
        img = decode_image(p.read_bytes())
        rgb = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
        dets, rects = det.detect(img), hog(rgb, 1)
        if not dets or len(rects) != 1:
            continue
        b, r = dets[0].box, rects[0]
        h = np.array([r.left(), r.top(), r.right(), r.bottom()], float)
        c, hc = (b[:2] + b[2:]) / 2, (h[:2] + h[2:]) / 2
        bw, bh = float(b[2] - b[0]), float(b[3] - b[1])
        if not (h[0] <= c[0] <= h[2] and h[1] <= c[1] <= h[3]):
            continue  # not the same face
        rel.append([(h[2] - h[0]) / bw, (h[3] - h[1]) / bh, (hc[0] - c[0]) / bw, (hc[1] - c[1]) / bw])
        pts = points(emb.landmarks(rgb, h))
        cen = pts.mean(axis=0)
        s = float(np.sqrt(((pts - cen) ** 2).sum(axis=1).mean()))
        lm.append([(h[2] - h[0]) / s, (hc[0] - cen[0]) / s, (hc[1] - cen[1]) / s])
    return tuple(round(float(v), 4) for v in np.median(rel, axis=0)), tuple(round(float(v), 4) for v in np.median(lm, axis=0)), len(rel)


def impostors(root: Path) -> dict[str, np.ndarray]:
    from vision import evaluate, matching, quality
    from vision.decode import decode_image
    from vision.detector import get_detector
    from vision.embedder import get_embedder
    from vision.errors import VisionError
    from vision.frame import analyze
    from vision.session import fusion_frames

    emb = get_embedder()
    photos = sorted((root / "faces").glob("*/*.jpg"))
    pe = {p: evaluate.embed_photo(p) for p in photos}
    photo_imp = [matching.similarity(pe[a], pe[b]) for a, b in combinations(photos, 2)
                 if a.parent.name != b.parent.name and pe[a] is not None and pe[b] is not None]
    refs = {p.stem: evaluate.embed_photo(p) for p in sorted((root / "reference").glob("*.jpg"))}
    ref_imp = [matching.similarity(refs[a], refs[b]) for a, b in combinations(sorted(refs), 2)]
    frame_imp, fused_imp, fused_gen = [], [], []
    for r in genuine_rows(root):
        profile = quality.LIVE_TURNING if r["challenge"] == "turn_head" else quality.LIVE
        frames = []
        for p in sorted((root / "liveness" / r["sequence"]).glob("*.jpg")):
            img = decode_image(p.read_bytes())
            dets = get_detector().detect(img)
            if dets:
                e = emb.embed(img, dets[0])
                frame_imp += [matching.similarity(e, v) for q, v in refs.items() if q != r["person"]]
            with contextlib.suppress(VisionError):
                frames.append(analyze(p.read_bytes(), profile))
        if frames:
            fused = np.mean([emb.embed(f.image, f.det) for f in fusion_frames(frames)], axis=0)
            fused_imp += [matching.similarity(fused, v) for q, v in refs.items() if q != r["person"]]
            fused_gen.append(matching.similarity(fused, refs[r["person"]]))
    return {"photo pairs (faces/)": np.array(photo_imp), "reference vs reference": np.array(ref_imp),
            "live frame vs other references": np.array(frame_imp), "fused session vs other references": np.array(fused_imp),
            "_fused_genuine": np.array(fused_gen)}


def place(imp: np.ndarray) -> float:
    return math.ceil((float(imp.max()) + MARGIN) / STEP - 1e-9) * STEP


def main() -> int:
    root = devset()
    import vision.match_calibration as mc

    blaze, marks, n = measure_alignment(root)
    mc.BLAZE_TO_DLIB_BOX, mc.LANDMARKS_TO_DLIB_BOX = blaze, marks  # the embedder reads them at each call
    print(f"alignment on {n} faces: BLAZE_TO_DLIB_BOX {blaze}, LANDMARKS_TO_DLIB_BOX {marks}")
    pops = impostors(root)
    fused_gen = pops.pop("_fused_genuine")
    allimp = np.concatenate(list(pops.values()))
    match = round(place(allimp), 3)
    review = round(math.floor(float(np.quantile(allimp, REVIEW_QUANTILE)) / STEP + 1e-9) * STEP, 3)
    photo = pops["photo pairs (faces/)"]
    footage = np.concatenate([v for k, v in pops.items() if k != "photo pairs (faces/)"])
    t_foot, t_photo = place(footage), place(photo)
    lopo = (f"threshold from footage impostors alone {t_foot:.3f}: photo-pair FAR {float((photo >= t_foot).mean()):.5f}; "
            f"from photo impostors alone {t_photo:.3f}: footage FAR {float((footage >= t_photo).mean()):.5f}")
    lines = [f"#   {k}: {len(v)} pairs, max {v.max():.3f}, p99 {np.quantile(v, 0.99):.3f}" for k, v in pops.items()]
    print("\n".join(lines))
    print(f"MATCH_THRESHOLD {match} (max {allimp.max():.3f} + {MARGIN}), REVIEW_THRESHOLD {review} (impostor q{REVIEW_QUANTILE})")
    print("leave-one-population-out: " + lopo)
    print(f"fused genuine windows vs own reference: n {len(fused_gen)} min {fused_gen.min():.3f} median {np.median(fused_gen):.3f}")
    OUT.write_text(f'''"""Written by layers/vision/calibrate_match.py (make calibrate-match); do not edit by hand.

Alignment: medians over {n} faces of the dev set's reference and live frames (HOG box vs BlazeFace
box; HOG box vs dlib's 5 points in it). Thresholds: MATCH = highest impostor similarity + {MARGIN}
(rounded up to {STEP}), REVIEW = impostor quantile {REVIEW_QUANTILE} (rounded down), over {len(allimp)}
impostor comparisons:
{chr(10).join(line.replace("#   ", "- ") for line in lines)}
Leave-one-population-out: {lopo}.
"""

BLAZE_TO_DLIB_BOX = {blaze}
LANDMARKS_TO_DLIB_BOX = {marks}
MATCH_THRESHOLD = {match}
REVIEW_THRESHOLD = {review}
''')
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
