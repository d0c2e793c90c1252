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
