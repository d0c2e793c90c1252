"""The liveness evaluation on the whole dev set (../shared/vision-devset/liveness): issue 18's targets,
on the figures that count (leave one source out: each source file's sequences decided with the
constants calibrated without it), and the in-sample ones.

Measurements are taken once per test session (vision.calibration.measure_set, cached on disk by the
dev set's files and the measuring code); decide_session runs once on every sequence, and the
arithmetic decision the calibration uses must give its answer on every one of them.
"""

from pathlib import Path

import pytest

from vision import calibrated, calibration, evaluate

DEVSET = Path(__file__).resolve().parents[3] / "shared" / "vision-devset"
ROOT = DEVSET / "liveness"
# The dev set's measurements are cached by the sources that measure (calibration._key): after a change to
# the vision package the first test here measures every sequence again, minutes on a shared machine.
pytestmark = pytest.mark.timeout(1200)
KINDS = {"still_replay": 9, "held_photo": 9, "photo_flip": 9, "no_action": 9, "photo_flip_held": 40, "screen_replay": 33,
         # made on the fly from each genuine window (calibration.synthetic_attacks): played on a phone
         "synthetic_screen": 40}
# synthetic_print_flip (two prints held steadier than the dev set's, 0.01-0.05 IOD a frame, swapped once):
# 0 in-sample, 2 of 40 leave-one-source-out (README, "Liveness rules"): asserted below, not at 0.


@pytest.fixture(scope="session")
def measures():
    assert ROOT.is_dir(), f"dev set missing: {ROOT}"
    return calibration.measure_set(ROOT)


@pytest.fixture(scope="session")
def devset_measures(measures):
    """The dev set's own sequences (the synthetic attacks' decide_session answers are checked in
    test_liveness_rules; regenerating all 80 here would double this file's time)."""
    return [m for m in measures if not m["kind"].startswith("synthetic_")]


@pytest.fixture(scope="session")
def session_outcomes(devset_measures):
    return calibration.session_outcomes(ROOT, devset_measures)


@pytest.fixture(scope="session")
def loso(measures):
    return calibration.loso(measures)[0]


def test_the_arithmetic_decision_is_decide_sessions(devset_measures, session_outcomes):
    c = calibrated.load()
    differ = [(m["sequence"], s, calibration.decide(m, c)) for m, s in zip(devset_measures, session_outcomes, strict=True)
              if (s is None) != (calibration.decide(m, c) is None)]
    assert differ == []


# How far the measures of the same code on the same frames may differ between machines: OpenCV and
# numpy take other SIMD paths on another CPU (a fresh AMD EPYC machine placed SAME_PICTURE_MAX_RESIDUAL
# at 0.00061682114 where the machine that wrote calibrated.json placed 0.00061682189: 1.2e-6 apart,
# all pins equal). A stale file after a change to a measure differs by far more than this.
MACHINE_TOLERANCE = 1e-4


def test_calibrated_file_is_what_calibration_places(measures):
    placed = calibration.values(calibration.fit(measures))
    assert placed.keys() == calibrated.CONSTANTS.keys()
    for k, v in placed.items():
        assert calibrated.CONSTANTS[k] == pytest.approx(v, rel=MACHINE_TOLERANCE), k


def test_leave_one_source_out_genuine_steps_pass(loso):
    assert loso["genuine_sequences"] == 40
    assert loso["bpcer"] <= 0.05
    for ch in ("blink", "open_mouth", "turn_head"):
        assert loso[f"bpcer_{ch}"] <= 0.10, ch


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_leave_one_source_out_no_attack_passes(loso, kind):
    assert loso[f"attack_sequences_{kind}"] == KINDS[kind]
    assert loso[f"apcer_{kind}"] == 0.0


def test_in_sample_decide_session(devset_measures, session_outcomes):
    f = calibration.figures(devset_measures, session_outcomes)
    assert f["bpcer"] == 0.0
    for kind in set(KINDS) - {"synthetic_screen"}:
        assert f[f"apcer_{kind}"] == 0.0, kind


def test_genuine_steps_start_neutral(measures):
    n = calibration.neutral_start_cost(measures, calibrated.CONSTANTS)
    assert n == {"genuine": 40, "start_neutral": 40, "refused_for_it": 0}


def test_devset_dir_is_next_to_the_repository():
    assert evaluate.devset_dir() == DEVSET


def test_two_prints_held_still_and_swapped(measures, loso):
    c = calibrated.load()
    flips = [m for m in measures if m["kind"] == "synthetic_print_flip"]
    assert len(flips) == 40
    assert [m["sequence"] for m in flips if calibration.decide(m, c) is None] == []
    assert loso["apcer_synthetic_print_flip"] <= 0.05  # was 0.30 before replay_print_swap
