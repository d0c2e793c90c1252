"""What the API and the vision function share (vision_contract): one name per challenge, each with
its liveness rule, and the same frame counts on both sides."""
from __future__ import annotations

import vision
from pensioncert.http_edge import LivenessStep
from pensioncert.rules.certification import CHALLENGES
from vision import liveness, session
from vision_contract import steps


def test_every_challenge_the_api_draws_has_a_liveness_rule_and_no_rule_is_undrawable():
    assert set(CHALLENGES) == set(steps.CHALLENGES) == set(liveness.RULES) == set(vision.CHALLENGES)


def test_a_step_the_api_accepts_is_a_step_vision_reads():
    frames = LivenessStep.model_fields["frames"].metadata
    bounds = {(type(m).__name__, getattr(m, "min_length", None), getattr(m, "max_length", None)) for m in frames}
    assert ("MinLen", steps.MIN_FRAMES, None) in bounds and ("MaxLen", None, steps.MAX_FRAMES) in bounds
    assert (session.MIN_FRAMES, session.MAX_FRAMES) == (steps.MIN_FRAMES, steps.MAX_FRAMES) == (3, 12)
