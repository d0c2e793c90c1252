from pathlib import Path

import pytest

from vision import evaluate
from vision.matching import MATCH_THRESHOLD

DEVSET = Path(__file__).resolve().parents[3] / "shared" / "vision-devset"


@pytest.fixture(scope="module")
def eval_sets(photo_dir, tmp_path_factory):
    import fetch_photos

    return fetch_photos.build_eval_sets(photo_dir, tmp_path_factory.mktemp("eval"))


def test_read_pairs_lfw_format(tmp_path):
    (tmp_path / "pairs.txt").write_text("10\t300\nAbel_Pacheco\t1\t4\nAbdel_Madi_Shabneh\t1\tDean_Barker\t1\n")
    assert evaluate.read_pairs(tmp_path / "pairs.txt") == [("Abel_Pacheco", 1, "Abel_Pacheco", 4), ("Abdel_Madi_Shabneh", 1, "Dean_Barker", 1)]


def test_figures_on_known_scores():
    import numpy as np

    scores = np.array([0.9, 0.8, 0.55, 0.3, 0.6, 0.2, 0.1])
    labels = np.array([1, 1, 1, 1, 0, 0, 0], bool)
    f = evaluate.match_figures(scores, labels, threshold=0.5, review_threshold=0.4)
    assert f["accuracy"] == pytest.approx(5 / 7)
    assert f["tar_at_far_0"] == pytest.approx(0.5)  # above the best impostor (0.6): 0.9, 0.8
    assert f["far"] == pytest.approx(1 / 3) and f["frr"] == pytest.approx(1 / 4)
    assert f["failed_to_embed"] == 0.0
    assert f["review_genuine"] == 0.0 and f["review_impostor"] == 0.0  # nothing in [0.4, 0.5)
    assert 0 < f["eer"] < 0.5


def test_pairs_that_cannot_be_embedded_are_rejects():
    """A genuine pair with an unusable image is a false reject, an impostor pair a correct reject;
    neither is left out."""
    import numpy as np

    scores = np.array([0.9, 0.8, 0.2])
    labels = np.array([1, 1, 0], bool)
    f = evaluate.match_figures(scores, labels, threshold=0.5, failed=np.array([True, False]))
    assert f["pairs"] == 5 and f["failed_to_embed"] == pytest.approx(2 / 5)
    assert f["frr"] == pytest.approx(1 / 3) and f["far"] == 0.0
    assert f["accuracy"] == pytest.approx(4 / 5)
    assert f["tar_at_far_0"] == pytest.approx(2 / 3)


def test_an_image_with_no_face_fails_its_pairs(tmp_path):
    import shutil

    import cv2
    import numpy as np

    faces = DEVSET / "faces"
    for name, n in (("Tony_Blair", 1), ("Tony_Blair", 2), ("Colin_Powell", 1)):
        (tmp_path / name).mkdir(exist_ok=True)
        shutil.copy(faces / name / f"{name}_{n:04d}.jpg", tmp_path / name)
    wall = np.full((250, 250, 3), (182, 196, 205), np.uint8)
    cv2.imwrite(str(tmp_path / "Tony_Blair" / "Tony_Blair_0002.jpg"), wall)  # no face in it
    (tmp_path / "pairs.txt").write_text("1\t1\nTony_Blair\t1\t2\nTony_Blair\t1\tColin_Powell\t1\nTony_Blair\t2\tColin_Powell\t1\n")
    f = evaluate.run_match(tmp_path)
    assert f["pairs"] == 3 and f["failed_pairs"] == 2 and f["failed_to_embed"] == pytest.approx(2 / 3)
    assert f["frr"] == 1.0 and f["far"] == 0.0 and f["accuracy"] == pytest.approx(2 / 3)


def test_every_dev_face_embeds_and_no_impostor_passes(dev_face_figures):
    """Issue 9: failed_to_embed 0 on the dev face folder; at the shipped threshold no impostor pair passes."""
    f = dev_face_figures
    assert f["pairs"] == 904 and f["failed_to_embed"] == 0.0 and f["failed_pairs"] == 0
    assert f["far"] == 0.0 and f["threshold"] == MATCH_THRESHOLD
    assert f["impostor_similarity_max"] < MATCH_THRESHOLD


def test_match_evaluation_on_registry_photos(eval_sets, capsys):
    assert evaluate.main(["match", str(eval_sets / "match")]) == 0
    lines = dict(line.split() for line in capsys.readouterr().out.splitlines())
    assert lines["pairs"] == "21" and float(lines["failed_to_embed"]) == 0.0
    assert float(lines["far"]) == 0.0 and float(lines["threshold"]) == MATCH_THRESHOLD
    assert {"accuracy", "frr", "tar_at_far_1e-3", "tar_at_far_0", "eer", "review_threshold"} <= set(lines)


def test_liveness_evaluation_on_registry_photos(eval_sets, capsys):
    """The registry-photo liveness set is attacks only (genuine steps are real video: the dev set,
    test_devset_liveness): none of them passes."""
    assert evaluate.main(["liveness", str(eval_sets / "liveness")]) == 0
    lines = dict(line.split() for line in capsys.readouterr().out.splitlines())
    assert lines["genuine_sequences"] == "0"
    for kind in ("static", "planar", "different_occasions"):
        assert int(lines[f"attack_sequences_{kind}"]) > 0 and float(lines[f"apcer_{kind}"]) == 0.0, kind
