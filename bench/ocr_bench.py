"""ID-card reading cost: `python bench/ocr_bench.py [N]`.

Prints the OCR engine's load time, the time per card of OCR alone and of the whole vision action
(``read_id_card``: decode, OCR, portrait crop, embedding) as p50/max over N drawn cards (names and
numbers varied, dev-set faces as portraits), the resident memory the OCR engine adds, and the
machine's load average (the figures are per core; on a loaded machine they grow with it).
"""
from __future__ import annotations

import os
import resource
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "layers" / "vision"), str(REPO / "tests")]

NAMES = ("王建国", "李秀英", "欧阳秀英", "张德明", "刘淑珍", "阿依古丽·买买提", "陈国庆", "赵文华")


def rss_mib() -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024


def main(n: int) -> None:
    import cv2
    import numpy as np
    from support import unique_id_number

    import vision
    from localstage.demo_cards import draw_card
    from vision import id_card

    vision.warm_up()
    faces = sorted((REPO.parent / "shared" / "vision-devset" / "reference").glob("p0*.jpg"))
    cards = [(NAMES[i % len(NAMES)], unique_id_number(1940 + i)) for i in range(n)]
    images = [draw_card(name, number, faces[i % len(faces)].read_bytes()) for i, (name, number) in enumerate(cards)]
    before = rss_mib()
    t = time.perf_counter()
    id_card.warm_ocr()
    load_s = time.perf_counter() - t
    loaded = rss_mib()
    ocr_s, whole_s, read = [], [], 0
    for (name, number), image in zip(cards, images):
        img = cv2.imdecode(np.frombuffer(image, np.uint8), cv2.IMREAD_COLOR)
        t = time.perf_counter()
        id_card.read_card_text(img)
        ocr_s.append(time.perf_counter() - t)
        t = time.perf_counter()
        answer = vision.read_id_card(image)
        whole_s.append(time.perf_counter() - t)
        read += (answer["name"], answer["id_number"]) == (name, number)
    after = rss_mib()
    print(f"cards {n}, read correctly {read}/{n}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"OCR engine load {load_s:.2f} s; RSS {before:.0f} → {loaded:.0f} MiB loaded → {after:.0f} MiB after "
          f"{n} cards (max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB)")
    print(f"OCR per card p50 {statistics.median(ocr_s):.2f} s, max {max(ocr_s):.2f} s; "
          f"read_id_card (OCR + portrait + embedding) p50 {statistics.median(whole_s):.2f} s, max {max(whole_s):.2f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
