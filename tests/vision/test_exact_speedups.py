"""The vision layer's speed-ups compute what the plain code computed, to the last bit (issue 18's
300 ms target): numpy's percentile by one partition, every ring's median of the screen spectrum by
one sort, the tracking of a pair's features in parts (the screen's third, then the rest), and the
grey frame converted once. Deciding from these values must not move any calibrated figure."""

from pathlib import Path

import cv2
import numpy as np
import pytest

from vision import continuity, quality, replay
from vision.frame import analyze

LIVE = Path(__file__).resolve().parents[3] / "shared" / "vision-devset" / "liveness"


def frames_of(rel: str, challenge: str = "blink") -> list:
    d = LIVE / rel
    assert d.is_dir(), f"dev set missing: {d}"
    profile = quality.LIVE_TURNING_STEP if challenge == "turn_head" else quality.LIVE_STEP
    return [analyze(p.read_bytes(), profile) for p in sorted(d.glob("*.jpg"))]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # numpy's own inf - inf
def test_percentile_is_numpys_to_the_bit():
    rng = np.random.default_rng(18)
    for i in range(20000):
        x = rng.random(int(rng.integers(1, 150))) * 10 ** rng.uniform(-5, 2)
        if i % 4 == 0:
            x = np.round(x, 2)  # ties
        if i % 101 == 0:
            x[0] = np.inf
        for q in (80, 97, 50):
            expected = float(np.percentile(x, q))
            got = continuity.percentile(x, q)
            assert got == expected or (np.isnan(got) and np.isnan(expected)), (x, q)


def _spectral_peak_by_ring(g: np.ndarray) -> float:
    """replay.spectral_peak as it was written first: one np.median per ring of the shifted spectrum."""
    g = g.astype(np.float32)
    mag = np.fft.fftshift(np.abs(np.fft.fft2((g - g.mean()) * replay._WINDOW))).ravel()
    best = 0.0
    for ring in replay._RINGS:
        v = mag[ring]
        best = max(best, float(v.max() / (np.median(v) + 1e-6)))
    return best


class _Crop:
    def __init__(self, g):
        self.face_gray = g


def test_spectral_peak_is_the_per_ring_median_to_the_bit():
    rng = np.random.default_rng(7)
    crops = [rng.integers(0, 256, (128, 128)).astype(np.uint8) for _ in range(20)]
    crops += [cv2.GaussianBlur(c, (0, 0), 2.0) for c in crops[:10]] + [np.zeros((128, 128), np.uint8)]
    crops += [f.face_gray for f in frames_of("genuine/blink/st-katiehill_1")]
    crops += [f.face_gray for f in frames_of(next(p.relative_to(LIVE).as_posix() for p in sorted((LIVE / "attack" / "screen_replay").glob("*/*")) if p.is_dir()))]
    for g in crops:
        assert replay.spectral_peak(_Crop(g)) == _spectral_peak_by_ring(g)


def test_grey_frame_and_crops_are_the_colour_conversions_of_their_regions():
    for f in frames_of("genuine/blink/st-katiehill_1")[:3]:
        assert np.array_equal(f.image_gray, cv2.cvtColor(f.image, cv2.COLOR_BGR2GRAY))
        assert np.array_equal(f.face_gray, quality.face_crop_gray(f.image, f.det))
        assert f.sharpness == quality.face_sharpness(quality.face_crop_gray(f.image, f.det))


def _track_at_once(a, b, every: int = 1) -> tuple[float, float]:
    """continuity._track as it was written first: all of a's (every n-th) features in one call each
    way, numpy's percentile."""
    fa, fb = continuity._flow(a), continuity._flow(b)
    points = None if fa.points is None else np.ascontiguousarray(fa.points[::every])
    if points is None or len(points) < continuity.FLOW_MIN_TRACKS or fa.full.shape != fb.full.shape:
        return float("nan"), 0.0
    gb = fa.window(fb)
    lk = {"winSize": continuity.FLOW_WIN, "maxLevel": continuity.FLOW_LEVELS}
    p1, st, _ = cv2.calcOpticalFlowPyrLK(fa.gray, gb, points, None, **lk)
    back, st2, _ = cv2.calcOpticalFlowPyrLK(gb, fa.gray, p1, None, **lk)
    ok = (st[:, 0] == 1) & (st2[:, 0] == 1) & (np.linalg.norm(back - points, axis=2)[:, 0] < continuity.FLOW_FB_MAX_PX)
    src, dst = points[ok][:, 0].astype(np.float64), p1[ok][:, 0].astype(np.float64)
    share = float(ok.mean())
    if len(src) < continuity.FLOW_MIN_TRACKS:
        return float("nan"), share
    h, _ = cv2.findHomography(src, dst, 0)
    if h is None:
        return float("nan"), share
    r = np.linalg.norm(cv2.perspectiveTransform(src[None], h)[0] - dst, axis=1)
    return float(np.percentile(r, continuity.FLOW_PERCENTILE) / fa.iod), share


def _same(x: tuple[float, float], y: tuple[float, float]) -> bool:
    return x[1] == y[1] and (x[0] == y[0] or (np.isnan(x[0]) and np.isnan(y[0])))


@pytest.mark.parametrize("challenge", ["turn_head", "blink"])
def test_tracking_in_parts_is_tracking_at_once(challenge):
    rel = next(p.relative_to(LIVE).as_posix() for p in sorted((LIVE / "genuine" / challenge).iterdir()))
    frames = frames_of(rel, challenge)
    checked = 0
    for i in range(len(frames) - 1):
        for j in range(i + 1, min(i + 4, len(frames))):
            screen = continuity.screen_residual(frames[i], frames[j])  # the screen's third of the features first
            assert _same((screen, continuity.texture_tracking(frames[i], frames[j], continuity.SCREEN_EVERY)[1]),
                         _track_at_once(frames[i], frames[j], continuity.SCREEN_EVERY))
            assert _same(continuity.texture_tracking(frames[i], frames[j]), _track_at_once(frames[i], frames[j]))
            checked += 1
    assert checked >= 10


def _detect_square_anchor_by_anchor(bf, img, x0: int, y0: int, side: int, min_score: float) -> list:
    """BlazeFace.detect_square as it was written first: each kept anchor decoded on its own."""
    from vision.detector import SCORE_CLIP, Detection

    size = bf.spec.input_size
    h, w = img.shape[:2]
    scale = size / side
    xs, ys, xe, ye = max(x0, 0), max(y0, 0), min(x0 + side, w), min(y0 + side, h)
    tw, th = max(1, min(size, round((xe - xs) * scale))), max(1, min(size, round((ye - ys) * scale)))
    small = cv2.resize(img[ys:ye, xs:xe], (tw, th), interpolation=cv2.INTER_AREA)
    win = np.zeros((size, size, 3), np.uint8)
    ox, oy = min(round((xs - x0) * scale), size - tw), min(round((ys - y0) * scale), size - th)
    win[oy : oy + th, ox : ox + tw] = cv2.cvtColor(small, cv2.COLOR_BGR2RGB)
    reg, cls = bf._infer(win)
    scores = 1.0 / (1.0 + np.exp(-np.clip(cls.astype(np.float64), -SCORE_CLIP, SCORE_CLIP)))
    dets = []
    for k in np.nonzero(scores >= min_score)[0]:
        a, r = bf._anchors[k], reg[k] / size
        cx, cy, bw, bh = r[0] + a[0], r[1] + a[1], r[2], r[3]
        box = np.array([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], np.float32)
        kp = r[4:16].reshape(6, 2) + a
        dets.append(Detection(box * side + [x0, y0, x0, y0], kp * side + [x0, y0], float(scores[k])))
    return dets


def _nms_pair_by_pair(dets: list) -> list:
    """detector._weighted_nms as it was written first: each IoU on its own, twice."""
    from vision.detector import NMS_IOU, Detection, _iou

    remaining, out = sorted(dets, key=lambda d: -d.score), []
    while remaining:
        top = remaining[0]
        group = [d for d in remaining if _iou(top.box, d.box) > NMS_IOU]
        remaining = [d for d in remaining if _iou(top.box, d.box) <= NMS_IOU]
        wts = np.array([d.score for d in group])
        out.append(Detection(sum(d.box * s for d, s in zip(group, wts)) / wts.sum(),
                             sum(d.keypoints * s for d, s in zip(group, wts)) / wts.sum(), top.score))
    return out


def _same_detections(a: list, b: list) -> bool:
    return len(a) == len(b) and all(x.box.dtype == y.box.dtype and np.array_equal(x.box, y.box) and np.array_equal(x.keypoints, y.keypoints)
                                    and x.score == y.score for x, y in zip(a, b))


def test_blazeface_decoding_and_nms_are_the_one_by_one_code_to_the_bit():
    from vision.decode import decode_image
    from vision.detector import _weighted_nms, get_detector

    bf = get_detector().short
    paths = sorted(LIVE.glob("*/*/*/*.jpg"))[::40] + sorted(LIVE.glob("attack/*/*/*/*.jpg"))[::60]
    assert len(paths) >= 20
    for p in paths:
        img = decode_image(p.read_bytes())
        h, w = img.shape[:2]
        side = max(h, w)
        for x0, y0, s, score in [((w - side) // 2, (h - side) // 2, side, 0.5), ((w - side) // 2, (h - side) // 2, side, 0.1), (-17, 5, side // 2, 0.2)]:
            raw = bf.detect_square(img, x0, y0, s, score)
            assert _same_detections(raw, _detect_square_anchor_by_anchor(bf, img, x0, y0, s, score))
            assert _same_detections(_weighted_nms(raw), _nms_pair_by_pair(raw))


@pytest.mark.timeout(30)
def test_nms_ends_on_a_box_of_zero_area():
    from vision.detector import Detection, _weighted_nms

    flat = Detection(np.array([10.0, 10.0, 10.0, 30.0]), np.zeros((6, 2)), 0.9)
    face = Detection(np.array([0.0, 0.0, 40.0, 40.0]), np.zeros((6, 2)), 0.8)
    assert [d.score for d in _weighted_nms([flat, face])] == [0.9, 0.8]
