"""Which refused completions count as a try, and which step a liveness refusal names (contract v1.2
"Which tries count", "Which step failed").

A try counts only when vision decided something about the person: the liveness decision (an action
not seen, a photo, a screen, a replay, frames seen before) or the match (``FACE_MISMATCH``). A
completion refused before that (no face, several faces, a face too small, too dark or blurred, an
image that cannot be read) is the camera's or the light's fault and uses no try.

A frozen camera: vision reports "frames all the same" (``replay_static``) only after it found one
face of good quality in every frame, and it reports it in the same words for a camera whose picture
stopped and for a still photo held in front of a working camera; a photo is an attack, so
``replay_static`` is a liveness decision and counts. A camera that stopped on black, or on a picture
without a face, is refused as ``NO_FACE``/``POOR_QUALITY`` before any such check, and uses no try.

Not a free probe: a try that is not counted still opened a session, and sessions are capped per
subject and per account per Beijing day (rules/session_caps.py, 429 SESSION_LIMIT).
"""
from __future__ import annotations

from pensioncert.rules.certification import CHALLENGES

# Vision's refusals made before any decision about the person (also what frame_ties claims nothing
# for: such frames are refused again for what they show).
UNJUDGED = frozenset({"NO_FACE", "MULTIPLE_FACES", "POOR_QUALITY", "IMAGE_INVALID", "IMAGE_TOO_LARGE"})
# Vision's detail for an action rule that did not see its action (vision/session.py).
ACTION_NOT_SEEN = "action_not_seen:"


def counts(code: str) -> bool:
    """Whether a refusal with this vision code uses one of the operator's tries."""
    return code not in UNJUDGED


def failed_challenge(detail: str) -> str | None:
    """The drawn action that was not seen, or None when the refusal is about the session as a whole
    (a photo, a screen, frames seen before, another face between steps)."""
    if detail.startswith(ACTION_NOT_SEEN):
        challenge = detail[len(ACTION_NOT_SEEN):]
        return challenge if challenge in CHALLENGES else None
    return None
