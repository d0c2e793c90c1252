"""Calibrate the liveness thresholds from measurements, and judge them on sources they were not fitted to.

    python -m vision.calibration [LIVENESS_DIR]     # `make calibrate`: measure, place, write calibrated.json

Every sequence of the dev set is measured ONCE (measure_sequence: the models, the tracking) and the
measurements are cached in .cache/vision/liveness-measures.json, keyed by the dev set's files and the
vision package's source. Deciding a sequence from its measurements (decide) is arithmetic and gives the
answer decide_session gives (tests/vision/test_devset_liveness.py checks both on every sequence), so
calibrating, and leave-one-source-out (loso: each source file's sequences decided with the constants
calibrated without that source), cost no model run.

How a threshold is placed (place): each rule names the attack kinds it is the physical answer to (a
blink rule cannot refuse a replay that shows a real blink). Let G be the genuine values the rule judges
(sequences past the checks no threshold decides) and A the values of its attacks. When they separate,
the threshold lies a third of the way from the attacks' nearest value to the genuine one's, in log
scale: closer to the attacks, which favours the living retiree. When they overlap, it lies 2 % beyond
the genuine extreme: no genuine step of the calibration data is refused by a rule that cannot tell it
from the attack; the attacks inside are left to the other rules and show in the figures.
"""

import csv
import hashlib
import inspect
import json
import math
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from . import continuity, liveness, quality, replay
from .calibrated import PATH as CALIBRATED_PATH
from .decode import decode_image
from .errors import VisionError
from .frame import Frame, analyze

IMAGE_EXT = {".jpg", ".jpeg", ".png"}
OVERLAP_MARGIN = 1.02  # beyond the genuine extreme when genuine and attack values overlap
ATTACK_WEIGHT = 2.0 / 3.0  # log-scale weight of the attacks' nearest value when they separate
EPS = 1e-6
CACHE = Path(__file__).resolve().parents[3] / ".cache" / "vision" / "liveness-measures.json"

Measures = dict[str, Any]


# --- measuring (the only part that runs the models) ----------------------------------------------------


def measure_sequence(challenge: str, raw: list[bytes]) -> Measures:
    """Everything decide() needs, from one step's frames: the outcome of the checks no calibrated
    constant decides (quality without blur, static replay, continuity jumps) and the measured values."""
    profile = quality.LIVE_TURNING_STEP if challenge == "turn_head" else quality.LIVE_STEP
    frames: list[Frame] = []
    pre = None
    for b in raw:
        try:
            frames.append(analyze(b, profile))
        except VisionError as e:
            pre = pre or f"{e.code}:{e.detail}"
    m: Measures = {"challenge": challenge, "n": len(raw), "analysed": len(frames), "pre": pre}
    if pre is None:
        motion = replay.static_check(frames, raw) or continuity.check_motion(frames)
        m["motion"] = f"LIVENESS_FAILED:{motion}" if motion else None
    if len(frames) < 3:
        return m
    m |= {
        "ear": [f.ear for f in frames],
        "mar": [f.mar for f in frames],
        "yaw": [f.yaw for f in frames],
        "pitch": [f.pitch for f in frames],
        "sharpness": [quality.face_sharpness(quality.face_crop_gray(f.image, f.det)) for f in frames],
        "same_picture_min": continuity.same_picture_min(frames),
        "print_motion": replay.print_motion(frames),
        "parallax": replay.parallax(frames) if challenge == "turn_head" else float("nan"),
        "screen_texture": replay.screen_texture(frames),
    }
    return m


def synthetic_attacks(m: Measures, raw: list[bytes]) -> list[tuple[str, list[bytes]]]:
    """Attacks made on the fly from a genuine window (vision_attacks, never written to disk), seeded by
    the window's name: two prints (its first frame and the frame of the action's peak) held by another
    hand with other tilts and noise, swapped half way; the window played on a phone held by hand
    (bezel, moire, glare, the screen's resolution)."""
    import importlib
    import zlib

    import cv2

    # layers/vision/vision_attacks.py, beside the package: development tooling, not shipped
    vision_attacks = importlib.import_module("vision_attacks")

    if "ear" not in m:
        return []
    imgs = [decode_image(b) for b in raw]
    any_action = {"TURN_MIN_DEG": 0.0, "MOUTH_RISE_MIN": 0.0, "BLINK_REOPEN_MIN": 0.0, "BLINK_DIP_MAX": 1.0}
    peak = liveness.seen(m["challenge"], *_arrays(m), any_action)[1]  # the frame of the action's peak
    rng = np.random.default_rng(zlib.crc32(m["sequence"].encode()))

    def jpeg(img: np.ndarray) -> bytes:
        return cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()

    flip = vision_attacks.held_print_flip(imgs[0], imgs[peak], len(imgs), rng)
    screen = vision_attacks.held_screen_replay(imgs, rng)
    return [("synthetic_print_flip", [jpeg(x) for x in flip]), ("synthetic_screen", [jpeg(x) for x in screen])]


def _seq_dirs(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_dir() and any(q.suffix.lower() in IMAGE_EXT for q in p.iterdir()))


def _files(seq: Path) -> list[Path]:
    return sorted(p for p in seq.iterdir() if p.suffix.lower() in IMAGE_EXT)


def _key(root: Path) -> str:
    h = hashlib.sha256()
    for seq in _seq_dirs(root):
        for p in _files(seq):
            st = p.stat()
            h.update(f"{p.relative_to(root)}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    for src in sorted(Path(__file__).parent.glob("*.py")):  # the code that measures; this file's fitting is not
        if src.name not in ("calibration.py", "liveness.py"):
            h.update(src.read_bytes())
    h.update(inspect.getsource(measure_sequence).encode())
    h.update(inspect.getsource(synthetic_attacks).encode())
    h.update((Path(__file__).parents[1] / "vision_attacks.py").read_bytes())
    return h.hexdigest()


def labels(root: Path) -> dict[str, dict[str, str]]:
    """labels.csv (next to the liveness folder) by sequence path relative to the liveness folder."""
    path = root.parent / "labels.csv"
    if not path.exists():
        return {}
    return {r["sequence"]: r for r in csv.DictReader(path.open())}


def measure_set(root: Path, cache: Path | None = CACHE) -> list[Measures]:
    """Measures of every sequence under root (genuine/<challenge>/<seq>, attack/<kind>/<challenge>/<seq>),
    with kind and source; read from the cache when the files and the code are unchanged."""
    key = _key(root)
    if cache is not None and cache.exists():
        data = json.loads(cache.read_text())
        if data.get("key") == key and data.get("root") == str(root.resolve()):
            return data["sequences"]
    lab = labels(root)
    out = []
    for seq in _seq_dirs(root):
        rel = str(seq.relative_to(root))
        parts = rel.split("/")
        kind, challenge = ("genuine", parts[1]) if parts[0] == "genuine" else (parts[1], parts[2])
        row = lab.get(rel, {})
        source = f"{row.get('source_repo', '')}:{row.get('source_path', '')}" if row else rel
        raw = [p.read_bytes() for p in _files(seq)]
        m = measure_sequence(challenge, raw) | {"sequence": rel, "kind": kind, "source": source, "person": row.get("person", "")}
        out.append(m)
        if kind == "genuine":
            for synthetic, frames in synthetic_attacks(m, raw):
                out.append(measure_sequence(challenge, frames) | {"sequence": f"{synthetic}/{rel}", "kind": synthetic,
                                                                   "source": source, "person": m["person"]})
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps({"key": key, "root": str(root.resolve()), "sequences": out}))
    return out


# --- deciding from measures (arithmetic) --------------------------------------------------------------


def _arrays(m: Measures) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    return np.array(m["ear"]), np.array(m["mar"]), np.array(m["yaw"]), np.array(m["pitch"])


def decide(m: Measures, c: dict[str, float]) -> str | None:
    """decide_session's answer for this one-step session (None: accepted), in its order: quality, screen,
    continuity, same picture, the action, planar turn, print, print swap, sharpness of the frames the decision uses."""
    if m["pre"]:
        return m["pre"]
    if "ear" not in m:
        return "LIVENESS_FAILED:continuity_too_few_distinct_frames"
    ch = m["challenge"]
    if m["screen_texture"] > c["SCREEN_PEAK_MAX"]:
        return "LIVENESS_FAILED:replay_screen"
    if m["motion"]:
        return m["motion"]
    if m["same_picture_min"] <= c["SAME_PICTURE_MAX_RESIDUAL"]:
        return "LIVENESS_FAILED:continuity_same_picture"
    ok, peak = liveness.seen(ch, *_arrays(m), c)
    if not ok:
        return f"LIVENESS_FAILED:action_not_seen:{ch}"
    if ch == "turn_head" and not m["parallax"] > c["PARALLAX_MIN"]:
        return "LIVENESS_FAILED:replay_planar"
    if not m["print_motion"] >= c[f"PRINT_MIN_{ch}"]:
        return "LIVENESS_FAILED:replay_print"
    if ch in liveness.SWAP_SIGNAL and not liveness.swap_measure(ch, *_arrays(m)) >= c[f"SECOND_STEP_MIN_{ch}"]:
        return "LIVENESS_FAILED:replay_print_swap"
    if min(max(m["sharpness"]), m["sharpness"][peak]) < quality.LIVE.min_sharpness:
        return "POOR_QUALITY:blur"
    return None


# --- placing the thresholds -----------------------------------------------------------------------------


def place(genuine: Iterable[float], attack: Iterable[float], live_above: bool, log: bool = True) -> dict[str, Any]:
    """The threshold between genuine and attack values (module docstring), with the figures behind it.
    log=False for a difference that an attack can read as 0 (degrees turned, a mouth's rise): the third
    of the gap is taken in linear scale."""
    fwd, back = (math.log, math.exp) if log else (float, float)
    g = [max(float(v), EPS) for v in genuine if math.isfinite(v)]
    a = [max(float(v), EPS) for v in attack if math.isfinite(v)]
    if not g:
        raise ValueError("no genuine values to place a threshold by")
    g_edge = min(g) if live_above else max(g)
    a_edge = (max(a) if live_above else min(a)) if a else None
    separated = a_edge is not None and (a_edge < g_edge if live_above else a_edge > g_edge)
    if separated:
        assert a_edge is not None
        value = back(ATTACK_WEIGHT * fwd(a_edge) + (1 - ATTACK_WEIGHT) * fwd(g_edge))
        rule = f"separated: a third of the {'log ' if log else ''}gap from the attacks' nearest value"
    else:
        value = g_edge / OVERLAP_MARGIN if live_above else g_edge * OVERLAP_MARGIN
        rule = "overlap: 2 % beyond the genuine extreme" if a else "no attack values: 2 % beyond the genuine extreme"
    return {
        "value": value,
        "live": "above" if live_above else "below",
        "rule": rule,
        "genuine_n": len(g),
        "genuine_edge": g_edge,
        "attack_n": len(a),
        "attack_edge": a_edge,
        "attacks_past_threshold": sum((v >= value) if live_above else (v <= value) for v in a),
    }


def _deepest_dip(m: Measures) -> float:
    """The deepest dip of the EAR under the open level before it, wherever the eye goes after it."""
    return min((d for d, _, _ in liveness.blink_events(np.array(m["ear"]))), default=float("inf"))


def _reopen(m: Measures, dip_max: float) -> float:
    """Among the dips deep enough for BLINK_DIP_MAX, the best reopen level: the lower of the highest EAR
    after the dip and the first frame's, over the open level before the dip (nan when no dip is deep
    enough: the dip rule refuses the step before the reopen rule is asked)."""
    ear = np.array(m["ear"])
    r = [min(reopen, liveness.recovery(float(ear[0]), float(ear[i]), float(ear[max(0, i - liveness.BLINK_OPEN_FRAMES) : i].max()))) for dip, reopen, i in liveness.blink_events(ear) if dip <= dip_max]
    return max(r) if r else float("nan")


def _second_step(m: Measures, c: dict[str, float]) -> float:
    """liveness.swap_measure when the action is seen with the constants placed so far (nan when not)."""
    return liveness.swap_measure(m["challenge"], *_arrays(m)) if liveness.seen(m["challenge"], *_arrays(m), c)[0] else float("nan")


# name: (challenges it judges, attack kinds it answers, live above?, value of one sequence given the
# constants placed before it). Placed in this order.
Value = Callable[[Measures, dict[str, float]], float]
RULES: list[tuple[str, tuple[str, ...], tuple[str, ...], bool, Value]] = [  # log scale except LINEAR
    ("SAME_PICTURE_MAX_RESIDUAL", ("blink", "open_mouth", "turn_head"), ("still_replay", "photo_flip"), True,
     lambda m, c: m["same_picture_min"]),
    ("TURN_MIN_DEG", ("turn_head",), ("no_action",), True,
     lambda m, c: liveness.turn_measure(np.array(m["yaw"]), np.array(m["pitch"]))[0]),
    ("MOUTH_RISE_MIN", ("open_mouth",), ("no_action", "held_photo"), True,
     lambda m, c: liveness.mouth_measure(np.array(m["mar"]))[0]),
    # Did the eye shut: against steps where no blink happens. Then, among dips that deep, did it reopen
    # to the open level (and start there): against the prints of a shut eye, which never reopen.
    ("BLINK_DIP_MAX", ("blink",), ("no_action", "held_photo"), False, lambda m, c: _deepest_dip(m)),
    ("BLINK_REOPEN_MIN", ("blink",), ("photo_flip_held", "synthetic_print_flip", "no_action", "held_photo"), True,
     lambda m, c: _reopen(m, c["BLINK_DIP_MAX"])),
    ("PARALLAX_MIN", ("turn_head",), ("held_photo",), True, lambda m, c: m["parallax"]),
    # The print rule answers prints moved by the hand: the dev set's held prints move 0.03-0.35 IOD a
    # frame. The synthetic flips are held steadier (0.01-0.05 IOD, like a still face): motion cannot
    # tell them from a still face, so they are not this rule's to answer (their APCER is reported).
    *[(f"PRINT_MIN_{ch}", (ch,), ("held_photo", "photo_flip_held"), True, (lambda m, c: m["print_motion"]))
      for ch in ("blink", "open_mouth", "turn_head")],
    # Two prints held still and swapped: the action's signal steps once and holds (liveness.SWAP_SIGNAL).
    # Judged on the steps whose action is seen (the action rule refuses the others first). Its attacks are
    # the made flips held still; prints moved by the hand (photo_flip_held) are the print rule's: the
    # hand's tilt moves a print's yaw reading over many frames.
    *[(f"SECOND_STEP_MIN_{ch}", (ch,), ("synthetic_print_flip",), True, (lambda m, c: _second_step(m, c)))
      for ch in liveness.SWAP_SIGNAL],
    ("SCREEN_PEAK_MAX", ("blink", "open_mouth", "turn_head"), ("screen_replay", "synthetic_screen"), False,
     lambda m, c: m["screen_texture"]),
]


LINEAR = {"TURN_MIN_DEG", "MOUTH_RISE_MIN"}


def fit(measures: list[Measures]) -> dict[str, dict[str, Any]]:
    """Every constant placed from these measures (only sequences past the checks no constant decides)."""
    judged = [m for m in measures if not m["pre"] and "ear" in m]  # the screen is judged before continuity
    judged_after_motion = [m for m in judged if not m["motion"]]
    placed: dict[str, dict[str, Any]] = {}
    c: dict[str, float] = {}
    for name, challenges, kinds, above, value in RULES:
        pool = judged if name == "SCREEN_PEAK_MAX" else judged_after_motion
        gen = [value(m, c) for m in pool if m["kind"] == "genuine" and m["challenge"] in challenges]
        att = [value(m, c) for m in pool if m["kind"] in kinds and m["challenge"] in challenges]
        placed[name] = place(gen, att, above, log=name not in LINEAR) | {"challenges": list(challenges), "attack_kinds": list(kinds)}
        c[name] = placed[name]["value"]
    return placed


def values(placed: dict[str, dict[str, Any]]) -> dict[str, float]:
    return {k: float(v["value"]) for k, v in placed.items()}


# --- figures ------------------------------------------------------------------------------------------


def figures(measures: list[Measures], outcomes: list[str | None]) -> dict[str, float]:
    """BPCER overall and per challenge, APCER per attack kind."""
    out: dict[str, float] = {}
    gen = [(m, o) for m, o in zip(measures, outcomes, strict=True) if m["kind"] == "genuine"]
    out["genuine_sequences"] = len(gen)
    out["bpcer"] = sum(o is not None for _, o in gen) / len(gen) if gen else float("nan")
    for ch in sorted({m["challenge"] for m, _ in gen}):
        v = [o is not None for m, o in gen if m["challenge"] == ch]
        out[f"bpcer_{ch}"] = sum(v) / len(v)
    for kind in sorted({m["kind"] for m in measures} - {"genuine"}):
        v = [o is None for m, o in zip(measures, outcomes, strict=True) if m["kind"] == kind]
        out[f"apcer_{kind}"] = sum(v) / len(v)
        out[f"attack_sequences_{kind}"] = len(v)
    return out


def loso(measures: list[Measures]) -> tuple[dict[str, float], list[str | None], dict[str, dict[str, float]]]:
    """Leave one source out: each source file's sequences decided with the constants fitted without it.
    (figures, outcome per sequence, constants per source)."""
    by_source: dict[str, dict[str, float]] = {}
    outcomes: list[str | None] = []
    for m in measures:
        s = m["source"]
        if s not in by_source:
            by_source[s] = values(fit([x for x in measures if x["source"] != s]))
        outcomes.append(decide(m, by_source[s]))
    return figures(measures, outcomes), outcomes, by_source


def neutral_start_cost(measures: list[Measures], c: dict[str, float]) -> dict[str, int]:
    """How many genuine steps start neutral (eyes open at the open level, mouth closed, the turn measured
    from the first frame reaching the threshold), and how many would pass the action rule read anywhere
    in the window but fail it read from the first frame (the rule's cost)."""
    out = {"genuine": 0, "start_neutral": 0, "refused_for_it": 0}
    for m in measures:
        if m["kind"] != "genuine" or "ear" not in m:
            continue
        ear, mar, yaw, pitch = _arrays(m)
        ch = m["challenge"]
        if ch == "turn_head":
            ok_anywhere = float(np.ptp(yaw)) >= c["TURN_MIN_DEG"] and float(np.ptp(yaw)) >= liveness.TURN_YAW_OVER_PITCH * float(np.ptp(pitch))
            neutral = liveness.turn_measure(yaw, pitch)[0] >= c["TURN_MIN_DEG"]
        elif ch == "open_mouth":
            rise = [mar[p] - mar[:p].min() for p in range(1, len(mar)) if mar[:p].min() <= liveness.MOUTH_CLOSED_MAX and mar[p] >= liveness.MOUTH_OPEN_MIN]
            ok_anywhere = bool(rise) and max(rise) >= c["MOUTH_RISE_MIN"]
            neutral = mar[0] <= liveness.MOUTH_CLOSED_MAX
        else:
            ev = [i for d, r, i in liveness.blink_events(ear) if d <= c["BLINK_DIP_MAX"] and r >= c["BLINK_REOPEN_MIN"]]
            ok_anywhere = bool(ev)
            neutral = any(liveness.recovery(float(ear[0]), float(ear[i]), float(ear[max(0, i - liveness.BLINK_OPEN_FRAMES) : i].max()))
                          >= c["BLINK_REOPEN_MIN"] for i in ev)
        ok = liveness.seen(ch, ear, mar, yaw, pitch, c)[0]
        out["genuine"] += 1
        out["start_neutral"] += bool(neutral)
        out["refused_for_it"] += bool(ok_anywhere and not ok)
    return out


def session_outcomes(root: Path, measures: list[Measures]) -> list[str | None]:
    """decide_session's answer on each measured sequence (one-step session, no reference)."""
    from .session import decide_session

    genuine = {m["sequence"]: m for m in measures if m["kind"] == "genuine"}
    out: list[str | None] = []
    for m in measures:
        if m["kind"].startswith("synthetic_"):
            g = genuine[m["sequence"].split("/", 1)[1]]
            raw = dict(synthetic_attacks(g, [p.read_bytes() for p in _files(root / g["sequence"])]))[m["kind"]]
        else:
            raw = [p.read_bytes() for p in _files(root / m["sequence"])]
        try:
            decide_session([(m["challenge"], raw)], [])
            out.append(None)
        except VisionError as e:
            out.append(f"{e.code}:{e.detail}")
    return out


def report(root: Path) -> str:
    """The leave-one-source-out table beside the in-sample one (both from the cached measures), the
    neutral-start cost, and the constants as calibrated on all of the data."""
    measures = measure_set(root)
    c = load_constants()
    ins = figures(measures, [decide(m, c) for m in measures])
    lo, outcomes, _ = loso(measures)
    lines = [
        f"liveness, leave one source out ({len({m['source'] for m in measures})} source files; each decided with "
        "the constants calibrated without it) beside in-sample (calibrated.json):",
        "| figure | in-sample | leave-one-source-out |",
        "|---|---|---|",
    ]
    lines += [f"| {k} | {_fmt(ins[k])} | {_fmt(lo[k])} |" for k in lo]
    wrong = [(m["sequence"], o) for m, o in zip(measures, outcomes, strict=True) if (m["kind"] == "genuine") == (o is not None)]
    lines += [f"leave-one-source-out error: {seq} -> {o or 'accepted'}" for seq, o in wrong]
    n = neutral_start_cost(measures, c)
    lines.append(f"neutral start: {n['start_neutral']} of {n['genuine']} genuine steps start neutral; "
                 f"{n['refused_for_it']} pass the action read anywhere in the window but not read from the first frame")
    return "\n".join(lines)


def _fmt(v: float) -> str:
    return f"{v:.4f}" if isinstance(v, float) else str(v)


def load_constants() -> dict[str, float]:
    from .calibrated import load

    return load()


def devset_liveness() -> Path:
    return Path(__file__).resolve().parents[3].parent / "shared" / "vision-devset" / "liveness"


def write(placed: dict[str, dict[str, Any]], root: Path, measures: list[Measures], path: Path = CALIBRATED_PATH) -> None:
    doc = {
        "written_by": "make calibrate (python -m vision.calibration): do not edit by hand",
        "data": f"{root.name} folder of the dev set: {len(measures)} sequences, "
                f"{sum(m['kind'] == 'genuine' for m in measures)} genuine, {len({m['source'] for m in measures})} source files",
        "placement": "vision.calibration.place: separated -> a third of the gap from the attacks' nearest value "
                     f"(log scale; linear for {', '.join(sorted(LINEAR))}); overlap -> 2 % beyond the genuine extreme",
        "constants": placed,
    }
    path.write_text(json.dumps(doc, indent=1, sort_keys=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0]) if args else devset_liveness()
    measures = measure_set(root)
    placed = fit(measures)
    write(placed, root, measures)
    for name, p in placed.items():
        print(f"{name:26} {p['value']:.5g}  (genuine edge {p['genuine_edge']:.5g} of {p['genuine_n']}, "
              f"attack edge {p['attack_edge'] if p['attack_edge'] is None else round(p['attack_edge'], 5)} of {p['attack_n']}; {p['rule']}; "
              f"attacks past it {p['attacks_past_threshold']})")
    print(f"written {CALIBRATED_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
