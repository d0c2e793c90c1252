"""Presentation-attack frame sequences made from one still photo, for the evaluation set and tests."""

import cv2
import numpy as np


def static_sequence(img: np.ndarray, n: int) -> list[np.ndarray]:
    """The same photo n times, re-encoded at slightly different JPEG qualities (not byte-identical)."""
    out = []
    for i in range(n):
        _ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 95 - 2 * i])
        out.append(cv2.imdecode(buf, cv2.IMREAD_COLOR))
    return out


def tilt_homography(w: int, h: int, yaw_deg: float, pitch_deg: float, roll_deg: float, shift: tuple[float, float]) -> np.ndarray:
    """Homography of a flat photo rotated in 3D in front of a camera with focal length ≈ image width."""
    f = float(max(w, h))
    k = np.array([[f, 0, w / 2], [0, f, h / 2], [0, 0, 1]])
    r, _ = cv2.Rodrigues(np.radians([pitch_deg, yaw_deg, 0.0]))
    rz, _ = cv2.Rodrigues(np.radians([0.0, 0.0, roll_deg]))
    r = rz @ r
    d = 2.0 * f  # photo held at twice the focal distance, centred
    t = np.array([shift[0], shift[1], 0.0])
    # plane z = 0 in photo coordinates (centred), seen at depth d
    kinv = np.linalg.inv(k)
    m = np.column_stack([r[:, 0], r[:, 1], r @ np.zeros(3) + np.array([0, 0, d]) + t])
    m0 = np.column_stack([np.eye(3)[:, 0], np.eye(3)[:, 1], np.array([0, 0, d])])
    return k @ m @ np.linalg.inv(m0) @ kinv


def planar_sequence(img: np.ndarray, n: int, rng: np.random.Generator, max_yaw: float = 35.0) -> list[np.ndarray]:
    """A printed photo tilted left and right, nodded, rolled and shifted: the motion of a hand-held photo."""
    h, w = img.shape[:2]
    out = []
    for i in range(n):
        a = np.sin(2 * np.pi * i / max(n - 1, 1))
        yaw = max_yaw * a
        pitch = 10.0 * np.cos(2 * np.pi * i / max(n - 1, 1)) + rng.normal(0, 2)
        roll = rng.normal(0, 4)
        shift = (rng.normal(0, 0.03 * w), rng.normal(0, 0.03 * h))
        hm = tilt_homography(w, h, yaw, pitch, roll, shift)
        out.append(cv2.warpPerspective(img, hm, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE))
    return out


def _wall(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    """A plain wall behind the print: one colour with a faint fixed texture."""
    base = rng.uniform(90, 200, 3)
    tex = cv2.GaussianBlur(rng.normal(0, 6, (h, w)).astype(np.float32), (0, 0), 3)
    return np.clip(base[None, None, :] + tex[..., None], 0, 255).astype(np.float32)


def _hand_path(n: int, rng: np.random.Generator, max_tilt: float) -> list[tuple[float, float, float, tuple[float, float]]]:
    """A smooth hand motion: yaw/pitch tilt, roll and shift drifting as a random walk, with tremor."""
    out, y, p, r, sx, sy = [], rng.uniform(-max_tilt, max_tilt) / 2, rng.uniform(-8, 8), rng.uniform(-5, 5), 0.0, 0.0
    for _ in range(n):
        y = float(np.clip(y + rng.normal(0, max_tilt / 5), -max_tilt, max_tilt))
        p = float(np.clip(p + rng.normal(0, 3), -15, 15))
        r = float(np.clip(r + rng.normal(0, 2), -10, 10))
        sx, sy = sx + rng.normal(0, 4), sy + rng.normal(0, 4)
        out.append((y, p, r, (sx, sy)))
    return out


def _show(content: np.ndarray, wall: np.ndarray, pose, scale: float, rng: np.random.Generator, noise: float) -> np.ndarray:
    """content (a print or a screen, BGR) held in front of the wall at `pose`, seen by a noisy camera."""
    h, w = wall.shape[:2]
    ch, cw = content.shape[:2]
    s = scale * min(w / cw, h / ch)
    place = np.array([[s, 0, (w - s * cw) / 2], [0, s, (h - s * ch) / 2], [0, 0, 1]])
    hm = tilt_homography(w, h, *pose) @ place
    warped = cv2.warpPerspective(content.astype(np.float32), hm, (w, h), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.ones((ch, cw), np.float32), hm, (w, h), flags=cv2.INTER_LINEAR)[..., None]
    img = wall * (1 - mask) + warped * mask
    img = img * rng.uniform(0.93, 1.07) + rng.normal(0, noise, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def held_print_flip(first: np.ndarray, second: np.ndarray, n: int, rng: np.random.Generator, max_tilt: float = 20.0,
                    scale: float = 0.85, noise: float = 3.0) -> list[np.ndarray]:
    """Two prints of one person (e.g. eyes open, eyes shut) held by hand over a plain wall, the second
    swapped in after half the frames; each print wobbles with the hand (tilt, roll, shift) and the
    camera adds noise and exposure changes. The wall does not change."""
    h, w = first.shape[:2]
    wall = _wall(h, w, rng)
    path = _hand_path(n, rng, max_tilt)
    return [_show(first if i < n // 2 else second, wall, path[i], scale, rng, noise) for i in range(n)]


def phone_screen(frame: np.ndarray, rng_phase: float, screen_px: int = 160) -> np.ndarray:
    """A video frame as a phone screen shows it: brought to the screen's resolution, a black bezel
    around it, moire (the camera's sampling beating against the pixel grid: a fine slanted grating),
    a soft glare and a slight blue cast."""
    h, w = frame.shape[:2]
    s = screen_px / max(h, w)
    small = cv2.resize(frame, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
    shown = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR).astype(np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    moire = 1.0 + 0.06 * np.sin(2 * np.pi * (0.21 * xx + 0.07 * yy) + rng_phase)
    glare = 60.0 * np.exp(-(((xx - 0.7 * w) / (0.25 * w)) ** 2 + ((yy - 0.3 * h) / (0.2 * h)) ** 2))
    shown = shown * moire[..., None] + glare[..., None]
    shown[..., 0] *= 1.08
    b = max(4, w // 14)
    out = np.zeros((h + 2 * b, w + 2 * b, 3), np.float32) + 12.0
    out[b:-b, b:-b] = shown
    return np.clip(out, 0, 255)


def held_screen_replay(frames: list[np.ndarray], rng: np.random.Generator, max_tilt: float = 12.0, scale: float = 0.8,
                       noise: float = 3.0) -> list[np.ndarray]:
    """A recording (frames) played on a phone held by hand in front of the camera, over a plain wall."""
    h, w = frames[0].shape[:2]
    wall = _wall(h, w, rng)
    path = _hand_path(len(frames), rng, max_tilt)
    return [_show(phone_screen(f, float(rng.uniform(0, 2 * np.pi))), wall, path[i], scale, rng, noise) for i, f in enumerate(frames)]
