import pytest

from vision import evaluate
from vision.matching import MATCH_THRESHOLD


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
    f = evaluate.match_figures(scores, labels, threshold=0.5)
    assert f["accuracy"] == pytest.approx(5 / 7)
    assert f["tar_at_far_0"] == pytest.approx(0.5)  # above the best impostor (0.6): 0.9, 0.8
    assert 0 < f["eer"] < 0.5


def test_match_evaluation_on_registry_photos(eval_sets):
    f = evaluate.run_match(eval_sets / "match")
    assert f["pairs"] == 21 and f["failed_to_embed"] == 0
    assert f["accuracy"] == 1.0 and f["threshold"] == MATCH_THRESHOLD
    assert f["genuine_similarity_min"] > MATCH_THRESHOLD > f["impostor_similarity_max"]


def test_liveness_evaluation_on_registry_photos(eval_sets, capsys):
    assert evaluate.main(["liveness", str(eval_sets / "liveness")]) == 0
    lines = dict(line.split() for line in capsys.readouterr().out.splitlines())
    assert float(lines["bpcer"]) == 0.0
    assert float(lines["apcer_static"]) == 0.0 and float(lines["apcer_planar"]) == 0.0
