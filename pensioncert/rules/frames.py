"""Frames belong to the session that asked for them (contract v1.2 "Frames belong to their session").

Each frame a session submits leaves a fingerprint (vision/fingerprint.py: a 256-bit perceptual hash
of the frame, and of its mirror image). A step is a repeat when at least ``STEP_SHARE`` of its frames
are the same frame as one seen before: in an earlier session of the subject (this year's or last
year's, whichever account sent it), or in another step of the same session (also played backwards:
the rule looks at the set of frames, not their order).

Why a share of the step and not a single frame: in a fixed camera, a real face 1-2 s later can be as
close to an earlier frame as a re-encoded copy of it is (a still face between two blinks), so one
close frame proves nothing; a replayed step brings back nearly all of its frames.

Figures from layers/vision/measure_fingerprints.py on the dev set's genuine steps (``--write``
places the constants below from them).
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Vision's detail for a repeat (never shown: the answer is LIVENESS_FAILED with "challenge": null,
# which tells a fraudster nothing of which frames or which session).
REPEAT = "frames_seen_before"
HASH_BYTES = 32  # 256 bits per frame
# Two frames are the same frame at this Hamming distance or less (of 256 bits): the most lenient
# distance at which no genuine step of the dev set repeats (other windows of its own recording).
# At 19: replayed steps refused, by copy kind: JPEG q30/60/95 1.00, a 1 px shift 1.00, mirrored 0.95,
# a 2 px shift 0.47, scaled 5 % 0.00 (frame distances p95: 4, 12, 22, 32, 54 bits); genuine frames'
# nearest other-window frame min 12, p05 20 bits. No margin is left on the genuine side: the dev set's
# fixed-camera talking heads are the hardest case (a held phone moves more between sessions).
SAME_FRAME_BITS = 19
# Within one session the same test is stricter: a frame repeats another step's frame only at this
# distance or less, one bit under the closest two genuine frames of different moments measured on the
# dev set (12). It still takes one window sent as two steps (the same frames, or re-encoded: p95 4
# bits), while two moments of one sitting in a fixed camera are not taken for one: through the page, a
# looped clip's two actions 3 s apart read within 19 bits and a living person's session was refused.
SAME_FRAME_BITS_IN_SESSION = 11
# A step is a repeat when this share of its frames (at least 2 frames) was seen before.
STEP_SHARE = 0.5
# At SAME_FRAME_BITS, the highest share of a genuine step's frames within it of all the other
# non-overlapping windows of its recording together (27 steps).
GENUINE_MAX_SHARE = 0.30


@dataclass(frozen=True)
class FramePrint:
    hash: int  # the frame's
    mirror: int  # its mirror image's

    def same_as(self, stored: int, bits: int = SAME_FRAME_BITS) -> bool:
        return min((self.hash ^ stored).bit_count(), (self.mirror ^ stored).bit_count()) <= bits


def step_repeats(step: Sequence[FramePrint], seen: Iterable[int], bits: int = SAME_FRAME_BITS) -> bool:
    """Whether the step brings back frames already seen (``seen``: their hashes)."""
    seen = list(seen)
    if not step or not seen:
        return False
    repeated = sum(1 for frame in step if any(frame.same_as(stored, bits) for stored in seen))
    return repeated >= max(2, math.ceil(STEP_SHARE * len(step)))


def steps_repeat_each_other(steps: Sequence[Sequence[FramePrint]]) -> bool:
    """One moment sent as two steps of one session (in either order, forwards or backwards)."""
    return any(step_repeats(steps[j], [f.hash for f in steps[i]], SAME_FRAME_BITS_IN_SESSION)
               or step_repeats(steps[i], [f.hash for f in steps[j]], SAME_FRAME_BITS_IN_SESSION)
               for i in range(len(steps)) for j in range(i + 1, len(steps)))


def seen_before(steps: Sequence[Sequence[FramePrint]], earlier: Iterable[int]) -> bool:
    """Any step of this session made of frames an earlier session submitted."""
    earlier = list(earlier)
    return any(step_repeats(step, earlier) for step in steps)


def pack(steps: Sequence[Sequence[FramePrint]]) -> bytes:
    """A session's frame hashes as kept: 32 bytes a frame, nothing else (not the mirror, not order)."""
    return b"".join(f.hash.to_bytes(HASH_BYTES, "big") for step in steps for f in step)


def unpack(blob: bytes) -> list[int]:
    return [int.from_bytes(blob[i:i + HASH_BYTES], "big") for i in range(0, len(blob), HASH_BYTES)]
