"""Real face photos from PyPI for the tests and the evaluation sets (never committed).

- face_recognition==1.3.0's sdist: tests/test_images (obama*.jpg, biden.jpg, two partial faces; US government photos).
- scikit-image==0.26.0's wheel (downloaded, not installed): skimage/data/astronaut.png (Eileen Collins, NASA).

`python layers/vision/fetch_photos.py [DEST]` fills DEST (default <repo>/.cache/vision/photos) and
builds the evaluation sets under DEST/../eval: match/ (LFW layout + pairs.txt) and liveness/.
"""

import shutil
import sys
import tarfile
import zipfile
from pathlib import Path

import build_models

REPO = build_models.REPO
DEFAULT_DEST = REPO / ".cache" / "vision" / "photos"
FACE_RECOGNITION = "face_recognition==1.3.0"
SCIKIT_IMAGE = "scikit-image==0.26.0"
FR_IMAGES = ("obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg", "obama_partial_face.jpg", "obama_partial_face2.jpg")


def fetch(dest: Path = DEFAULT_DEST) -> Path:
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    if not all((dest / n).is_file() for n in FR_IMAGES):
        sdist = build_models.pip_download(FACE_RECOGNITION, build_models.DOWNLOADS, "--no-binary=:all:")
        with tarfile.open(sdist) as t:
            for n in FR_IMAGES:
                (dest / n).write_bytes(t.extractfile(f"face_recognition-1.3.0/tests/test_images/{n}").read())
    if not (dest / "astronaut.png").is_file():
        whl = build_models.pip_download(
            SCIKIT_IMAGE, build_models.DOWNLOADS,
            "--only-binary=:all:", "--platform", "manylinux_2_28_x86_64", "--python-version", "3.11", "--implementation", "cp",
        )
        with zipfile.ZipFile(whl) as z:
            (dest / "astronaut.png").write_bytes(z.read("skimage/data/astronaut.png"))
    return dest


def build_eval_sets(photos: Path, out: Path) -> Path:
    """Match set (LFW layout) and liveness set from the registry photos; attacks are transforms of them."""
    import cv2
    import numpy as np
    from vision_attacks import planar_sequence, static_sequence

    if out.exists():
        shutil.rmtree(out)
    people = {
        "Barack_Obama": ["obama.jpg", "obama2.jpg", "obama3.jpg", "obama_partial_face.jpg", "obama_partial_face2.jpg"],
        "Joe_Biden": ["biden.jpg"],
        "Eileen_Collins": ["astronaut.png"],
    }
    m = out / "match"
    for name, files in people.items():
        (m / name).mkdir(parents=True)
        for i, f in enumerate(files, 1):
            img = cv2.imread(str(photos / f))
            cv2.imwrite(str(m / name / f"{name}_{i:04d}.jpg"), img, [cv2.IMWRITE_JPEG_QUALITY, 95])
    same = [("Barack_Obama", a, b) for a in range(1, 6) for b in range(a + 1, 6)]
    names = list(people)
    diff = [(a, i, b, j) for x, a in enumerate(names) for b in names[x + 1 :] for i in range(1, len(people[a]) + 1) for j in range(1, len(people[b]) + 1)]
    lines = [f"1\t{len(same)}"] + ["\t".join(map(str, p)) for p in same] + ["\t".join(map(str, p)) for p in diff]
    (m / "pairs.txt").write_text("\n".join(lines) + "\n")

    lv = out / "liveness"

    def put(path: Path, frames) -> None:
        path.mkdir(parents=True)
        for i, fr in enumerate(frames):
            cv2.imwrite(str(path / f"{i:03d}.jpg"), fr, [cv2.IMWRITE_JPEG_QUALITY, 92])

    load = lambda f: cv2.imread(str(photos / f))  # noqa: E731
    # Photographs taken years apart (mouth closed → smiling → open) shown as one step: the attack of
    # frames from different occasions (issue 9), not a genuine action. Genuine steps are real video:
    # ../shared/vision-devset.
    put(lv / "attack/different_occasions/open_mouth/obama_3_1_2", [load("obama3.jpg"), load("obama.jpg"), load("obama2.jpg")])
    put(lv / "attack/different_occasions/open_mouth/obama_3_2", [load("obama3.jpg"), load("obama3.jpg"), load("obama2.jpg")])
    put(lv / "attack/different_occasions/open_mouth/obama_1_2", [load("obama.jpg"), load("obama.jpg"), load("obama2.jpg")])
    rng = np.random.default_rng(0)
    for f in ("obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg", "astronaut.png"):
        stem = Path(f).stem
        for ch in ("turn_head", "open_mouth", "blink"):
            put(lv / f"attack/static/{ch}/{stem}", static_sequence(load(f), 5))
            put(lv / f"attack/planar/{ch}/{stem}", planar_sequence(load(f), 6, rng))
    return out


if __name__ == "__main__":
    d = fetch(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DEST)
    print(d)
    print(build_eval_sets(d, d.parent / "eval"))
