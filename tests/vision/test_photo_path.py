"""Issue 18: the photo path embeds every photo plain dlib embeds and matches at least as well."""

from pathlib import Path

import cv2
import numpy as np
import pytest

DEVSET = Path(__file__).resolve().parents[3] / "shared" / "vision-devset"
FACES = DEVSET / "faces"


@pytest.fixture(scope="module")
def figures(dev_face_figures):
    """The dev faces' match figures, the project's and plain dlib's on the same pairs."""
    return dev_face_figures


def test_every_dev_face_embeds_and_tar_at_far_0_is_at_least_plain_dlibs(figures):
    assert figures["pairs"] == 904 and figures["dlib_pairs"] == 904
    assert figures["failed_to_embed"] == 0.0 and figures["dlib_failed_to_embed"] == 0.0
    assert figures["tar_at_far_0"] >= figures["dlib_tar_at_far_0"]
    assert figures["far"] == 0.0


def test_review_load_is_the_share_of_genuine_pairs_in_the_band(figures, dev_face_scores):
    from vision import matching

    scores, labels, failed = dev_face_scores
    gen = scores[labels]
    in_band = ((gen >= matching.REVIEW_THRESHOLD) & (gen < matching.MATCH_THRESHOLD)).sum()
    assert figures["review_load"] == pytest.approx(in_band / (len(gen) + failed.sum()))


def _grainy_scan(name: str, n: int) -> np.ndarray:
    """An old grainy black-and-white print: the photo in grey with strong film grain."""
    img = cv2.imread(str(FACES / name / f"{name}_{n:04d}.jpg"))
    g = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.float64)
    g = np.clip(g + np.random.default_rng(1).normal(0, 35, g.shape), 0, 255).astype(np.uint8)
    return cv2.cvtColor(g, cv2.COLOR_GRAY2BGR)


def test_a_photo_blazeface_misses_is_embedded_through_dlibs_detector():
    from vision import matching
    from vision.detector import get_detector
    from vision.embedder import get_embedder

    det = get_detector()
    scan = _grainy_scan("Ariel_Sharon", 1)
    # BlazeFace (short range, its tiles, full range) finds no face in it ...
    assert not det.short.detect(scan) and not det.short.tiles(scan) and not det.full.detect(scan, tiled=True)
    found = det.detect(scan, tiled=True)
    assert len(found) == 1 and found[0].source == "dlib_hog"
    # ... and what the fallback embeds is the person: closer to the same photo in colour than to any
    # other person's photo, and not refused outright (the grain costs similarity: it goes to review).
    emb = get_embedder()
    e = emb.embed(scan, found[0])

    def sim_to(name: str) -> float:
        clean = cv2.imread(str(FACES / name / f"{name}_0001.jpg"))
        return matching.similarity(e, emb.embed(clean, det.detect(clean, tiled=True)[0]))

    same = sim_to("Ariel_Sharon")
    others = [sim_to(n) for n in ("Colin_Powell", "Donald_Rumsfeld", "George_W_Bush", "Hugo_Chavez", "Jacques_Chirac", "Tony_Blair")]
    assert same >= matching.REVIEW_THRESHOLD and same > max(others)


def test_a_registry_photo_turned_about_30_degrees_is_embedded(photo):
    import vision
    from vision import matching
    from vision.frame import analyze

    f = analyze(photo("obama2.jpg"), vision.quality.LIVE_TURNING)
    assert abs(f.yaw) >= 25  # the head is turned
    turned = vision.embed_reference(photo("obama2.jpg"))
    assert matching.similarity(turned, vision.embed_reference(photo("obama.jpg"))) >= matching.MATCH_THRESHOLD
    assert matching.similarity(turned, vision.embed_reference(photo("biden.jpg"))) < matching.REVIEW_THRESHOLD


def test_a_photo_with_no_face_is_still_refused():
    import vision

    wall = np.full((480, 640, 3), (182, 196, 205), np.uint8)
    wall = cv2.GaussianBlur(np.clip(wall + np.random.default_rng(2).normal(0, 12, wall.shape), 0, 255).astype(np.uint8), (0, 0), 1)
    with pytest.raises(vision.VisionError) as e:
        vision.embed_reference(cv2.imencode(".jpg", wall)[1].tobytes())
    assert e.value.code == "NO_FACE"
