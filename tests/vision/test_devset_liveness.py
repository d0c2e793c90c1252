"""The liveness evaluation on the whole dev set (../shared/vision-devset/liveness): issue 9's targets."""

from pathlib import Path

import pytest

from vision import evaluate

DEVSET = Path(__file__).resolve().parents[3] / "shared" / "vision-devset"


@pytest.fixture(scope="module")
def figures():
    root = DEVSET / "liveness"
    assert root.is_dir(), f"dev set missing: {root}"
    return evaluate.run_liveness(root)


def test_genuine_steps_pass(figures):
    assert figures["genuine_sequences"] == 40
    assert figures["bpcer"] <= 0.05
    for ch in ("blink", "open_mouth", "turn_head"):
        assert figures[f"bpcer_{ch}"] <= 0.10, ch


@pytest.mark.parametrize("kind", ["still_replay", "held_photo", "photo_flip", "no_action"])
def test_no_attack_passes(figures, kind):
    assert figures[f"attack_sequences_{kind}"] == 9
    assert figures[f"apcer_{kind}"] == 0.0


def test_devset_dir_is_next_to_the_repository():
    assert evaluate.devset_dir() == DEVSET
