"""How long the guards against oversized and pixel-bomb images take: `python bench/refusal_bench.py [N]`.

The tests check what bounds these calls (the header is read and nothing decoded, vision is never
asked, the detector's window count, the time budget's stop); this prints how long they take, p50
and max over N runs (default 20), with the machine's load average:

- the vision function's handler (in process) refusing each oversized or strip image of
  tests/vision/test_id_card.py for each of its actions (read_id_card, embed_reference,
  decide_session): header reads, formerly held to 50 ms by a test;
- the tiled face search of a faceless 4096 x 1024 image (the most windows it can need; was 3 s),
  the tile cap refusing a 64 x 2560 strip (was 1 s), a call past its budget stopped (was 0.5 s)
  and the 503 the API's vision client makes of it (was 0.5 s);
- the API (chalice's test client, in process, against an emulator of its own) refusing the
  64 x 262144 PNG as a certification's frames (was 1 s) and as the ID card of a real-name binding
  (was 1 s and 2 s), and a 20-megapixel JPEG as frames (over HTTP it was held to 60 s).
"""
from __future__ import annotations

import base64
import logging
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "layers" / "vision"), str(REPO / "functions"), str(REPO / "tests"),
                str(REPO / "tests" / "integration"), str(REPO / "tests" / "vision")]

from support import free_port, unique_id_number, unique_phone  # noqa: E402
from test_id_card import jpeg_header, png  # noqa: E402

PIN = "135791"


def timed(runs: int, call, *args) -> tuple[list[float], object]:
    """Milliseconds of each of ``runs`` calls of call(*args), and the last one's answer."""
    spent, answer = [], None
    for _ in range(runs):
        started = time.perf_counter()
        answer = call(*args)
        spent.append((time.perf_counter() - started) * 1000)
    return spent, answer


def line(label: str, spent: list[float], answer: str) -> None:
    print(f"  {label:<52} p50 {statistics.median(spent):8.2f} ms   max {max(spent):8.2f} ms   {answer}")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def vision_layer(runs: int) -> None:
    import numpy as np

    from localstage.demo_cards import draw_card
    from pensioncert.errors import AppError
    from pensioncert.vision_client import VisionClient
    from vision import budget, quality
    from vision.detector import get_detector
    from vision.errors import VisionError
    from vision.frame import analyze
    from vision.handler import lambda_handler

    print("vision function, in process")
    images = {"64 x 262144 strip PNG": png(64, 262144), "JPEG header 65000 x 65000": jpeg_header(65000, 65000),
              "JPEG header 4097 x 1200": jpeg_header(4097, 1200), "JPEG header 4096 x 3100": jpeg_header(4096, 3100),
              "JPEG header 4096 x 1000 (4.1:1)": jpeg_header(4096, 1000), "PNG 64 x 300 (4.7:1)": png(64, 300)}
    for name, image in images.items():
        for event in ({"action": "read_id_card", "image": b64(image)},
                      {"action": "embed_reference", "image": b64(image)},
                      {"action": "decide_session", "references": [],
                       "steps": [{"challenge": "blink", "frames": [b64(image)] * 3}] * 2}):
            spent, answer = timed(runs, lambda_handler, event, None)
            line(f"{name}, {event['action']}", spent, answer.get("code"))

    def refusal(call) -> str:
        try:
            call()
        except (VisionError, budget.VisionBusy, AppError) as refused:
            code = getattr(refused, "code", None)
            return getattr(code, "name", code) or type(refused).__name__
        return "not refused"

    wide = png(4096, 1024)
    spent, answer = timed(max(3, runs // 5), refusal, lambda: analyze(wide, quality.REFERENCE, tiled=True))
    line("faceless 4096 x 1024, tiled search", spent, answer)
    strip = np.zeros((64, 64 * 40, 3), np.uint8)
    spent, answer = timed(runs, refusal, lambda: get_detector().detect(strip, tiled=True))
    line("64 x 2560 strip, tile cap", spent, answer)
    face = (REPO.parent / "shared" / "vision-devset" / "reference" / "p04.jpg").read_bytes()

    def past_budget():
        with budget.budget(0.0):
            time.sleep(0.001)
            analyze(face, quality.LIVE)

    spent, answer = timed(runs, refusal, past_budget)
    line("a call past its budget (incl. the 1 ms it waits)", spent, answer)

    class HandlerTransport:
        def invoke(self, event):
            return lambda_handler(event, None)

    saved, budget.BUDGET_SECONDS = budget.BUDGET_SECONDS, 0.0
    logging.getLogger("vision.handler").setLevel(logging.ERROR)  # its warning for every run
    try:
        card = draw_card("王建国", "610102194803150011", face)
        client = VisionClient(HandlerTransport())
        spent, answer = timed(runs, refusal, lambda: client.read_id_card(card))
        line("read_id_card past its budget, as the API's client", spent, answer)
    finally:
        budget.BUDGET_SECONDS = saved


def api(runs: int) -> None:
    import cv2
    import devset
    from auth_steps import login, post, register
    from chalice.test import Client

    import app as api_module
    from localstage import devstack
    from pensioncert.dal import evidence
    from pensioncert.logic.registry_import import import_registry
    from pensioncert.services import services

    print("API, chalice's test client in process, against an emulator")
    with devstack.provisioned_emulator(emulator_port=free_port(), api_port=free_port()):
        svc = services()
        person = unique_id_number(1948)
        report = import_registry(
            svc, "id_number,name,region,unit,status,card_status,card_password,photo\n"
            f"{person},周国庆,西安市,新城区机关事务中心,recipient,activated,{PIN},p06.jpg\n", devset.reference_dir(),
            lambda id_key, image: evidence.put_registry_photo(svc.client("s3"), svc.settings.evidence_bucket,
                                                              id_key, image))
        assert report.errors == [], report.errors
        bomb = b64(png(64, 262144))
        big = cv2.resize(cv2.imread(str(devset.reference_photo("p06"))), (5472, 3648))
        big = b64(cv2.imencode(".jpg", big, [cv2.IMWRITE_JPEG_QUALITY, 40])[1].tobytes())
        with Client(api_module.app) as client:
            token = post(client, "/auth/card-login", {"id_number": person, "card_password": PIN})[1]["token"]
            status, session = post(client, "/certify/sessions", {"subject": "self"}, token)
            assert status == 201, session
            complete = f"/certify/sessions/{session['session_id']}/complete"
            for name, frame in (("64 x 262144 PNG as frames", bomb), ("20 MP JPEG (5472 x 3648) as frames", big)):
                steps = [{"challenge": challenge, "frames": [frame] * 3} for challenge in session["challenges"]]
                spent, answer = timed(runs, post, client, complete, {"steps": steps}, token)
                line(name, spent, f"{answer[0]} {answer[1]['error']['code']}")
            phone = unique_phone()
            assert register(client, phone, unique_id_number(1960))[0] == 201
            phone_token = login(client, phone)[1]["token"]
            steps = [{"challenge": challenge, "frames": [bomb] * 3} for challenge in ("blink", "open_mouth")]
            spent, answer = timed(runs, post, client, "/auth/real-name/sessions/x/complete",
                                  {"id_card_image": bomb, "steps": steps}, phone_token)
            line("64 x 262144 PNG as the ID card", spent, f"{answer[0]} {answer[1]['error']['code']}")


def main(runs: int) -> None:
    import build_models

    build_models.build()  # the models, extracted if missing (make models)
    import vision.handler  # noqa: F401 - the function's init (every model loaded): not part of any call

    print(f"runs {runs}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    vision_layer(runs)
    api(runs)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
