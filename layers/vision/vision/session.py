"""decide_session: frames of each challenge step → quality, continuity, replay, actions, same person, match."""

import time
from dataclasses import dataclass

import numpy as np

from vision_contract import steps

from . import continuity, liveness, matching, quality, replay
from .embedder import get_embedder
from .errors import VisionError
from .frame import Frame, Timer, analyze

CHALLENGES = steps.CHALLENGES  # one liveness rule each (liveness.RULES; a test holds them equal)
# The app sends 3–12 frames per step (the contract, vision_contract.steps).
MIN_FRAMES, MAX_FRAMES = steps.MIN_FRAMES, steps.MAX_FRAMES
MAX_STEPS = 6


@dataclass
class SessionDecision:
    similarity: float | None
    live_embedding: list[float]
    timings_ms: dict[str, float]
    embeddings: int = 0  # face embeddings computed: up to FUSE_FRAMES when continuity shows one face throughout, else one per step
    # (step, frame) of the session's most frontal frame: what an identity authority is sent.
    best_frame: tuple[int, int] | None = None


def _validate(steps) -> None:
    if not isinstance(steps, (list, tuple)) or not steps:
        raise VisionError("IMAGE_INVALID", "no_steps")
    if len(steps) > MAX_STEPS:
        raise VisionError("IMAGE_INVALID", "too_many_steps")
    for step in steps:
        if not isinstance(step, (list, tuple)) or len(step) != 2:
            raise VisionError("IMAGE_INVALID", "malformed_step")
        challenge, frames = step
        if challenge not in liveness.RULES:
            raise VisionError("IMAGE_INVALID", f"unknown_challenge:{challenge}")
        if not isinstance(frames, (list, tuple)) or not MIN_FRAMES <= len(frames) <= MAX_FRAMES:
            raise VisionError("IMAGE_INVALID", f"frame_count:{challenge}")


def _most_frontal(frames: list[Frame]) -> Frame:
    return min(frames, key=lambda f: abs(f.yaw))


# The live side of the match, when continuity ties the session to one face: the mean dlib descriptor of
# up to FUSE_FRAMES frames instead of one (+2 embeddings, ~18 ms on one core). Frames are taken most
# frontal first among the sharp ones (face sharpness at LIVE's gate) whose eyes are open and mouth is
# closed (eye ratio at least, mouth ratio at most the session's median), so a blink's shut eyes or a
# wide-open mouth is not averaged in; if fewer qualify, the most frontal sharp ones fill in. On the dev
# set's 40 genuine windows against the person's reference frame (one frame -> fused, first alignment
# constants): genuine min 0.632 -> 0.650, p10 0.664 -> 0.711, median 0.761 -> 0.786; impostors (the 27
# other references) max 0.623 -> 0.620. With the calibrated constants (calibrate_match.py's run):
# fused genuine min 0.643, median 0.791; fused impostor max 0.608.
FUSE_FRAMES = 3


def fusion_frames(frames: list[Frame], n: int = FUSE_FRAMES) -> list[Frame]:
    """The frames fused into the live embedding (see FUSE_FRAMES)."""
    sharp = [f for f in frames if f.sharpness >= quality.LIVE.min_sharpness] or frames
    ear, mar = float(np.median([f.ear for f in sharp])), float(np.median([f.mar for f in sharp]))
    by_yaw = sorted(sharp, key=lambda f: abs(f.yaw))
    calm = [f for f in by_yaw if f.ear >= ear and f.mar <= mar]
    return (calm + [f for f in by_yaw if not any(f is c for c in calm)])[:n]


def _embed(frame: Frame, timer: Timer) -> np.ndarray:
    t = time.perf_counter()
    vec = get_embedder().embed(frame.image, frame.det)
    timer.add("embed", t)
    return vec


def decide_session(steps, references) -> SessionDecision:
    _validate(steps)
    timer = Timer()
    analysed: list[tuple[str, list[Frame], list[bytes]]] = []
    for challenge, raw in steps:
        # No sharpness gate per frame: a turning head is motion-blurred between its ends (see below).
        profile = quality.LIVE_TURNING_STEP if challenge == "turn_head" else quality.LIVE_STEP
        analysed.append((challenge, [analyze(b, profile, timer) for b in raw], list(raw)))

    t = time.perf_counter()
    for _, frames, raw in analysed:
        # First what a screen cannot hide, whatever the frames show; then whether they are one capture.
        why = replay.screen_check(frames) or replay.static_check(frames, raw) or continuity.check_step(frames)
        if why:
            raise VisionError("LIVENESS_FAILED", why)
    why = continuity.check_session([frames for _, frames, _ in analysed])
    if why:
        raise VisionError("LIVENESS_FAILED", why)
    t = timer.add("continuity", t)
    for challenge, frames, _ in analysed:
        if not liveness.RULES[challenge](frames):
            raise VisionError("LIVENESS_FAILED", f"action_not_seen:{challenge}")
    t = timer.add("rules", t)
    for challenge, frames, _ in analysed:
        why = replay.planar_check(challenge, frames) or replay.print_check(challenge, frames) or liveness.swap_check(challenge, frames)
        if why:
            raise VisionError("LIVENESS_FAILED", why)
    # Sharpness is judged on the frames the decision uses: the step must have a sharp frame to embed
    # (fusion_frames takes the frontal ones among the sharp) and the frame that shows the action at its
    # peak must be sharp (a turn's far end, where the head stops); the frames of a turning head between
    # them are motion-blurred, and that is not poor capture.
    for challenge, frames, _ in analysed:
        peak = frames[liveness.peak_frame(challenge, frames)]
        # (quality.is_blurred on each frame's kept crop)
        if peak.sharpness < quality.LIVE.min_sharpness or all(f.sharpness < quality.LIVE.min_sharpness for f in frames):
            raise VisionError("POOR_QUALITY", "blur")
    one_face = continuity.one_face_throughout([frames for _, frames, _ in analysed])
    timer.add("continuity", t)

    if one_face:
        # Continuity already ties every step to one face: the session's frames speak for all (FUSE_FRAMES).
        fused = [_embed(f, timer) for f in fusion_frames([f for _, frames, _ in analysed for f in frames])]
        vecs = [np.mean(fused, axis=0)]
        embedded = len(fused)
    else:
        vecs = [_embed(_most_frontal(frames), timer) for _, frames, _ in analysed]
        embedded = len(vecs)
        t = time.perf_counter()
        for i in range(len(vecs)):
            for j in range(i + 1, len(vecs)):
                if not matching.is_match(matching.similarity(vecs[i], vecs[j]), matching.SAME_PERSON_THRESHOLD):
                    raise VisionError("LIVENESS_FAILED", "different_person_between_steps")
        timer.add("rules", t)
    t = time.perf_counter()
    live = np.mean(vecs, axis=0)
    sim = None
    if references:
        sims = [matching.similarity(live, ref) for ref in references]
        sim = min(sims)
        if not matching.is_match(sim):
            raise matching.mismatch(sim)
    timer.add("rules", t)
    best = min((abs(f.yaw), i, j) for i, (_, frames, _) in enumerate(analysed) for j, f in enumerate(frames))
    return SessionDecision(sim, [float(x) for x in live], {k: round(v, 2) for k, v in timer.ms.items()}, embedded,
                           best_frame=(best[1], best[2]))
