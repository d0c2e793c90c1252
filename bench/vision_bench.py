"""Vision layer timings on one thread: per stage (decode, detect, landmarks, embed), full 10-frame
session decisions (p50/p95 over 30 runs) with the number of face embeddings each needed, and the cold
start (import + model load, fresh process).

Stage frames are the registry photos (make models; layers/vision/fetch_photos.py) scaled to 720 px
wide, the size of a phone front-camera frame. Sessions are real steps of the dev set
(../shared/vision-devset, 400 px video frames): p04's blink then open mouth (two windows seconds
apart: one embedding per step), and p06's blink then open mouth that continue one another (continuity
ties them to one face: one embedding). Run: make bench-vision.
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "layers" / "vision"))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

cv2.setNumThreads(1)
RUNS = 30


def p50_p95(xs):
    xs = sorted(xs)
    return statistics.median(xs), xs[min(len(xs) - 1, int(np.ceil(0.95 * len(xs))) - 1)]


def cold_start() -> list[float]:
    code = "import time; t=time.perf_counter(); import vision; vision.warm_up(); print((time.perf_counter()-t)*1000)"
    env = {**os.environ, "PYTHONPATH": str(REPO / "layers" / "vision")}
    out = []
    for _ in range(5):
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
        out.append(float(r.stdout.strip().splitlines()[-1]))
    return out


def main() -> None:
    import fetch_photos

    photos = fetch_photos.fetch()

    def frame(name: str, q: int = 90) -> bytes:
        im = cv2.imread(str(photos / name))
        im = cv2.resize(im, (720, int(im.shape[0] * 720 / im.shape[1])), interpolation=cv2.INTER_AREA)
        return cv2.imencode(".jpg", im, [cv2.IMWRITE_JPEG_QUALITY, q])[1].tobytes()

    colds = cold_start()

    import vision
    from vision.decode import decode_image
    from vision.detector import get_detector
    from vision.embedder import get_embedder
    from vision.landmarks import get_mesher

    vision.warm_up()
    data = frame("obama.jpg")
    img = decode_image(data)
    det = get_detector().detect(img)[0]
    stages = {
        "decode": lambda: decode_image(data),
        "detect": lambda: get_detector().detect(img),
        "landmarks": lambda: get_mesher().mesh(img, det),
        "embed": lambda: get_embedder().embed(img, det),
    }
    print(f"frame: {img.shape[1]}x{img.shape[0]} JPEG, {len(data)} bytes; {RUNS} runs, one thread")
    for name, fn in stages.items():
        ts = []
        for _ in range(RUNS):
            t = time.perf_counter()
            fn()
            ts.append((time.perf_counter() - t) * 1000)
        a, b = p50_p95(ts)
        print(f"{name:<10} p50 {a:7.2f} ms  p95 {b:7.2f} ms")

    dev = REPO.parent / "shared" / "vision-devset"

    def window(rel: str, idx) -> list[bytes]:
        files = sorted((dev / "liveness" / rel).glob("*.jpg"))
        return [files[i].read_bytes() for i in idx]

    sessions = {
        "p04 blink + open_mouth": (
            [("blink", window("genuine/blink/st-katiehill_1", range(4, 9))), ("open_mouth", window("genuine/open_mouth/st-katiehill_1", range(3, 8)))],
            "p04",
        ),
        "p06 blink + open_mouth": (
            [("blink", window("genuine/blink/tpsmm-driving_1", (3, 4, 5, 6, 9))), ("open_mouth", window("genuine/open_mouth/tpsmm-driving_1", (0, 2, 4, 6, 8)))],
            "p06",
        ),
    }
    for name, (steps, person) in sessions.items():
        ref = vision.embed_reference((dev / "reference" / f"{person}.jpg").read_bytes())
        ts, cpu, last = [], [], None
        for _ in range(RUNS):
            t, c = time.perf_counter(), time.process_time()
            last = vision.decide_session(steps, [ref])
            ts.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
        a, b = p50_p95(ts)
        n = sum(len(f) for _, f in steps)
        # CPU time of this process as well: on a shared machine the wall clock also counts other work.
        print(
            f"session {name}: p50 {a:7.2f} ms  p95 {b:7.2f} ms  cpu p50 {statistics.median(cpu):7.2f} ms  ({len(steps)} steps, {n} frames, "
            f"{last.embeddings} embedding{'s' if last.embeddings != 1 else ''}, similarity {last.similarity:.3f}; target ≤ 300 ms)"
        )
        print("  stages (last run, ms): " + ", ".join(f"{k} {v:.1f}" for k, v in last.timings_ms.items()))
    a, b = p50_p95(colds)
    print(f"cold start p50 {a:7.2f} ms  max {max(colds):7.2f} ms  (import + model load + first inference, 5 fresh processes; target ≤ 1500 ms)")


if __name__ == "__main__":
    main()
