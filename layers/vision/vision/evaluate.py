"""Evaluation figures for choosing and checking the thresholds.

    python -m vision.evaluate match DIR      # LFW layout + pairs.txt → accuracy, TAR@FAR, EER
    python -m vision.evaluate liveness DIR   # genuine/<challenge>/<seq>/, attack/<kind>/<challenge>/<seq>/ → BPCER, APCER
    python -m vision.evaluate                # the dev set (../shared/vision-devset): both, as one table

Match embeds every image once through the photo path (tiled detection, full-range fallback) and
the embedder without the quality gate, so the figures are the embedder's and the threshold's. An
image with no usable face fails its pairs: a genuine pair that cannot be embedded is a false reject,
an impostor pair a correct reject; failed_to_embed is the share of pairs that failed. Liveness runs decide_session on each sequence as a
one-step session with no reference: a genuine sequence must pass, an attack must not.
"""

import argparse
import sys
from pathlib import Path

import numpy as np

from . import matching
from .decode import decode_image
from .detector import get_detector
from .embedder import get_embedder
from .errors import VisionError
from .session import decide_session

IMAGE_EXT = {".jpg", ".jpeg", ".png"}


def read_pairs(path: Path) -> list[tuple[str, int, str, int]]:
    pairs = []
    for line in path.read_text().splitlines()[1:]:
        f = line.split()
        if len(f) == 3:
            pairs.append((f[0], int(f[1]), f[0], int(f[2])))
        elif len(f) == 4:
            pairs.append((f[0], int(f[1]), f[2], int(f[3])))
    return pairs


def embed_photo(path: Path):
    """A photo as the registry side sees it: tiled detection with the full-range and dlib HOG
    fallbacks, dlib's alignment (embedder); None if it cannot be read or shows no face."""
    try:
        img = decode_image(path.read_bytes())
        dets = get_detector().detect(img, tiled=True)
    except (VisionError, OSError):
        return None
    if not dets:
        return None
    return get_embedder().embed(img, dets[0])


def embed_photo_dlib(path: Path):
    """Plain dlib's pipeline, the yardstick (issue 18): its HOG frontal detector upsampled once on the
    whole photo, the largest face, its 5-point shape predictor in that box, its 150 px chip with 0.25
    padding, and the same ResNet (the project's ONNX runner, held to dlib's own by
    test_embedder_onnx); None if HOG finds no face."""
    import cv2
    import dlib

    from .embedder import CHIP_PADDING, CHIP_SIZE

    try:
        rgb = cv2.cvtColor(decode_image(path.read_bytes()), cv2.COLOR_BGR2RGB)
    except (VisionError, OSError):
        return None
    rects = dlib.get_frontal_face_detector()(rgb, 1)
    if not rects:
        return None
    r = max(rects, key=lambda r: r.area())
    emb = get_embedder()
    box = np.array([r.left(), r.top(), r.right(), r.bottom()], float)
    return emb.descriptor(dlib.get_face_chip(rgb, emb.landmarks(rgb, box), size=CHIP_SIZE, padding=CHIP_PADDING))


def match_scores(root: Path, embed=embed_photo) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(scores, labels) of the pairs that embedded, and the labels (True: same person) of those that
    did not."""
    pairs = read_pairs(root / "pairs.txt")
    cache: dict[Path, object] = {}

    def emb(name: str, n: int):
        p = root / name / f"{name}_{n:04d}.jpg"
        if p not in cache:
            cache[p] = embed(p)
        return cache[p]

    scores, labels, failed = [], [], []
    for a, i, b, j in pairs:
        ea, eb = emb(a, i), emb(b, j)
        if ea is None or eb is None:
            failed.append(a == b)
            continue
        scores.append(matching.similarity(ea, eb))
        labels.append(a == b)
    return np.array(scores), np.array(labels, bool), np.array(failed, bool)


def match_figures(
    scores: np.ndarray,
    labels: np.ndarray,
    threshold: float = matching.MATCH_THRESHOLD,
    failed: np.ndarray | None = None,
    review_threshold: float = matching.REVIEW_THRESHOLD,
) -> dict[str, float]:
    """Figures over ALL pairs: `failed` holds the labels of pairs that could not be embedded, each a
    reject at every threshold (a false one if genuine). far/frr are at `threshold`; review_* are the
    shares of genuine and impostor pairs in [review_threshold, threshold), sent to a human."""
    failed = np.zeros(0, bool) if failed is None else np.asarray(failed, bool)
    gen, imp = scores[labels], scores[~labels]
    n_gen, n_imp = len(gen) + int(failed.sum()), len(imp) + int((~failed).sum())
    n = n_gen + n_imp
    nan = float("nan")
    out = {
        "pairs": n,
        "failed_to_embed": len(failed) / n if n else nan,
        "accuracy": (int((gen >= threshold).sum()) + int((imp < threshold).sum()) + int((~failed).sum())) / n if n else nan,
        "far": int((imp >= threshold).sum()) / n_imp if n_imp else nan,
        "frr": (int((gen < threshold).sum()) + int(failed.sum())) / n_gen if n_gen else nan,
    }
    if n_gen == 0 or n_imp == 0:
        return out | {"tar_at_far_1e-3": nan, "tar_at_far_0": nan, "eer": nan}
    imp_sorted = np.sort(imp)[::-1]

    def tar_at(far: float) -> float:
        k = int(np.floor(far * n_imp))  # false accepts allowed
        thr = imp_sorted[k] if k < len(imp_sorted) else -np.inf
        return int((gen > thr).sum()) / n_gen

    cands = np.unique(np.concatenate([scores, [0.0, 1.0 + 1e-9]]))
    far = np.array([(imp >= t).sum() / n_imp for t in cands])
    frr = np.array([((gen < t).sum() + failed.sum()) / n_gen for t in cands])
    k = int(np.argmin(np.abs(far - frr)))
    band = lambda v: int(((v >= review_threshold) & (v < threshold)).sum())  # noqa: E731
    out |= {
        "tar_at_far_1e-3": tar_at(1e-3),
        "tar_at_far_0": tar_at(0.0),
        "eer": float((far[k] + frr[k]) / 2),
        "eer_threshold": float(cands[k]),
        "genuine_similarity_min": float(gen.min()) if len(gen) else nan,
        "impostor_similarity_max": float(imp.max()) if len(imp) else nan,
        "review_genuine": band(gen) / n_gen,
        "review_impostor": band(imp) / n_imp,
        # the review load: genuine pairs a person must look at; refused: genuine pairs refused outright
        "review_load": band(gen) / n_gen,
        "refused_genuine": (int((gen < review_threshold).sum()) + int(failed.sum())) / n_gen,
    }
    return out


def run_match(root: Path) -> dict[str, float]:
    """The project's photo path's figures and, on the same pairs in the same run, plain dlib's
    (embed_photo_dlib), prefixed dlib_, at the same thresholds."""
    return match_report(match_scores(root), match_scores(root, embed_photo_dlib))


def match_report(ours: tuple[np.ndarray, np.ndarray, np.ndarray],
                 dlib: tuple[np.ndarray, np.ndarray, np.ndarray]) -> dict[str, float]:
    """run_match's figures from the two pipelines' match_scores."""
    scores, labels, failed = ours
    d_scores, d_labels, d_failed = dlib
    return {
        **match_figures(scores, labels, failed=failed),
        "failed_pairs": len(failed),
        "threshold": matching.MATCH_THRESHOLD,
        "review_threshold": matching.REVIEW_THRESHOLD,
        **{f"dlib_{k}": v for k, v in match_figures(d_scores, d_labels, failed=d_failed).items()},
        "dlib_failed_pairs": len(d_failed),
    }


def _frames(seq: Path) -> list[bytes]:
    return [p.read_bytes() for p in sorted(seq.iterdir()) if p.suffix.lower() in IMAGE_EXT]


def _outcome(challenge: str, seq: Path) -> str:
    try:
        decide_session([(challenge, _frames(seq))], [])
        return "accepted"
    except VisionError as e:
        return f"{e.code}:{e.detail}"


def run_liveness(root: Path, verbose: bool = False) -> dict[str, float]:
    """BPCER overall and per challenge (genuine/<challenge>/<seq>), APCER per attack kind
    (attack/<kind>/<challenge>/<seq>): each sequence decided as a one-step session."""
    out: dict[str, float] = {}
    gen = [(c.name, s) for c in sorted((root / "genuine").iterdir()) for s in sorted(c.iterdir())] if (root / "genuine").is_dir() else []
    rejected: dict[str, list[bool]] = {}
    for ch, seq in gen:
        r = _outcome(ch, seq)
        rejected.setdefault(ch, []).append(r != "accepted")
        if verbose:
            print(f"# genuine {ch}/{seq.name}: {r}", file=sys.stderr)
    out["genuine_sequences"] = len(gen)
    out["bpcer"] = sum(sum(v) for v in rejected.values()) / len(gen) if gen else float("nan")
    for ch, v in rejected.items():
        out[f"bpcer_{ch}"] = sum(v) / len(v)
    attack = root / "attack"
    for kind in sorted(p for p in attack.iterdir() if p.is_dir()) if attack.is_dir() else []:
        seqs = [(c.name, s) for c in sorted(kind.iterdir()) for s in sorted(c.iterdir())]
        accepted = 0
        for ch, seq in seqs:
            r = _outcome(ch, seq)
            accepted += r == "accepted"
            if verbose:
                print(f"# attack {kind.name} {ch}/{seq.name}: {r}", file=sys.stderr)
        out[f"apcer_{kind.name}"] = accepted / len(seqs) if seqs else float("nan")
        out[f"attack_sequences_{kind.name}"] = len(seqs)
    return out


def devset_dir() -> Path:
    """The shared development set: ../shared/vision-devset next to the repository."""
    repo = Path(__file__).resolve().parents[3]
    return repo.parent / "shared" / "vision-devset"


def _fmt(v) -> str:
    return f"{v:.4f}" if isinstance(v, float) else str(v)


def run_devset(root: Path, verbose: bool = False) -> dict[str, float]:
    """Liveness (root/liveness) and match (root/faces) figures in one table."""
    figures = run_liveness(root / "liveness", verbose)
    figures |= {f"match_{k}": v for k, v in run_match(root / "faces").items()}
    return figures


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m vision.evaluate", description="With no arguments: the dev set (../shared/vision-devset), match and liveness, as one table.")
    ap.add_argument("what", nargs="?", choices=("match", "liveness"))
    ap.add_argument("dir", nargs="?", type=Path)
    ap.add_argument("-v", "--verbose", action="store_true", help="per-sequence outcome on stderr (liveness)")
    a = ap.parse_args(argv)
    if a.what is None:
        root = devset_dir()
        figures = run_devset(root, a.verbose)
        print(f"dev set: {root}")
        print("| figure | value |")
        print("|---|---|")
        for k, v in figures.items():
            print(f"| {k} | {_fmt(v)} |")
        from . import calibration  # the liveness figures on sources the constants were not fitted to

        print(calibration.report(root / "liveness"))
        return 0
    if a.dir is None:
        ap.error("DIR is required with match or liveness")
    figures = run_match(a.dir) if a.what == "match" else run_liveness(a.dir, a.verbose)
    for k, v in figures.items():
        print(f"{k} {_fmt(v)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
