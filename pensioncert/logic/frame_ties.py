"""Frames belong to the session that asked for them: a completion's frames are claimed for the
subject once vision has judged them, before a pass is stored, and a repeat is refused (rules/frames.py
says what a repeat is).

The claim is a conditional append (dal/frame_prints.py): of two sessions racing with the same
frames, exactly one appends; the other reads again, sees those frames and is refused.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pensioncert.dal import frame_prints
from pensioncert.dal.transactions import LostRace, retry_lost_races
from pensioncert.rules import attempts
from pensioncert.rules.frames import REPEAT, FramePrint, pack, seen_before, steps_repeat_each_other, unpack
from pensioncert.vision_client import StepPrints, VisionRefusal

if TYPE_CHECKING:
    from pensioncert.services import Services

_MAX_RACES = 20
_KEPT_CHANGING = "the subject's frame record kept changing under concurrent sessions"
# Refused before any face was judged (rules/attempts.UNJUDGED: a covered or black camera, noise, a
# face too small): such frames tie nothing, so a retiree whose camera shows no face twice hears "no
# face" twice, not "replay"; a replay of them gains nothing, as they are refused again for what they show.


def ties(refusal: VisionRefusal) -> bool:
    """Whether a refused session's frames are claimed all the same: those whose liveness passed and
    whose face did not match (FACE_MISMATCH), so that live frames refused once cannot come back.
    Frames refused by liveness are not: sent again they are refused again for what they show, and a
    retiree's next try in a fixed camera, seconds later, is not taken for a replay of a missed one."""
    return attempts.counts(refusal.code) and refusal.code != "LIVENESS_FAILED"


@dataclass(frozen=True)
class Recorded:
    """What the subject's sessions submitted last year (hashes) and this year (the record a claim
    is conditional on)."""
    last_year: list[int]
    this_year: frame_prints.Record


def recorded(subject_key: str, year: int) -> Recorded:
    """Read ahead of the claim (while vision decides): a claim on a record that changed since is
    refused by its condition and reads again."""
    return Recorded([h for blob in frame_prints.read(subject_key, year - 1).sessions for h in unpack(blob)],
                    frame_prints.read(subject_key, year))


def claim(svc: Services, subject_key: str, year: int, evidence_key: str, prints: StepPrints | None = None,
          read_ahead: Recorded | None = None) -> bytes:
    """Keep the session's frame prints for the subject, unless a step repeats another step of this
    session or frames of an earlier session (this year's or last year's): then VisionRefusal
    LIVENESS_FAILED, counted as any liveness failure. Undecodable frames are vision's refusal.
    ``prints``: those vision sent with its decision; None asks vision for them. ``read_ahead``:
    ``recorded``'s answer, read earlier; None reads it now."""
    steps = refuse_one_moment_twice(svc, evidence_key, prints)
    kept = pack(steps)
    known = read_ahead or recorded(subject_key, year)
    last_year = known.last_year
    first_read = [known.this_year]

    def attempt() -> bytes:
        this_year = first_read.pop() if first_read else frame_prints.read(subject_key, year)
        if seen_before(steps, last_year + [h for blob in this_year.sessions for h in unpack(blob)]):
            raise VisionRefusal("LIVENESS_FAILED", REPEAT)
        if not frame_prints.append_if_unchanged(subject_key, year, this_year, kept):
            raise LostRace
        return kept

    return retry_lost_races(attempt, attempts=_MAX_RACES, gives_up=RuntimeError(_KEPT_CHANGING))


def refuse_one_moment_twice(svc: Services, evidence_key: str,
                            prints: StepPrints | None = None) -> list[list[FramePrint]]:
    """The session's frame prints, step by step; VisionRefusal LIVENESS_FAILED (frames seen before)
    when one moment was sent as two steps. A liveness refusal, which claims nothing, still asks this,
    so such a session is answered as a repeat, not as the action that was not seen."""
    if prints is None:
        prints = svc.vision.fingerprint_evidence(svc.settings.evidence_bucket, evidence_key)
    steps = [[FramePrint(h, m) for h, m in step] for step in prints]
    if steps_repeat_each_other(steps):
        raise VisionRefusal("LIVENESS_FAILED", REPEAT)
    return steps


def release(subject_key: str, year: int, claimed: bytes) -> None:
    """Give a session's frames back when its pass could not be stored (an outage): nothing was
    decided, and the retiree's next try, or the app's retry of the same capture, is not a replay."""
    def attempt() -> None:
        record = frame_prints.read(subject_key, year)
        if claimed in record.sessions and not frame_prints.remove_if_unchanged(subject_key, year, record, claimed):
            raise LostRace

    retry_lost_races(attempt, attempts=_MAX_RACES, gives_up=RuntimeError(_KEPT_CHANGING))
