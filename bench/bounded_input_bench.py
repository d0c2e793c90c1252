"""How long the guards against inputs that stall take (issue 19, findings 9, 10 and 13):
`python bench/bounded_input_bench.py [N]`. The tests assert the refusals; this prints the time.

- a 4096 x 3072 progressive JPEG with 95,000 empty scans refused by the API's header check and by
  the vision layer's decoder (p50/max over N), and what OpenCV spends decoding such a file with a
  few hundred or thousand empty scans (the cost per scan, and so the 95,000-scan file's: 97 s was
  measured by the issue), and the walk's cost on a genuine ~5 MB 12 MP photo;
- a card-sized photo dense with text: refused after detection vs the old whole OCR of it (once),
  and a drawn card read in full;
- the local servers (the H5 proxy, the fake authority) answering a negative Content-Length.
With the machine's load average: the figures are per core of a shared box.
"""
from __future__ import annotations

import contextlib
import os
import socket
import statistics
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "layers" / "vision"), str(REPO / "tests"), str(REPO)]

from hostile_media import dense_text_card, progressive_jpeg_with_empty_scans  # noqa: E402


def timed(runs: int, call, *args) -> list[float]:
    spent = []
    for _ in range(runs):
        started = time.perf_counter()
        with contextlib.suppress(Exception):  # a refusal is what is timed
            call(*args)
        spent.append((time.perf_counter() - started) * 1000)
    return spent


def line(label: str, spent: list[float]) -> None:
    print(f"  {label:<64} p50 {statistics.median(spent):9.2f} ms   max {max(spent):9.2f} ms")


def decoders(runs: int) -> None:
    import cv2
    import numpy as np

    from vision.decode import decode_image
    from vision_contract.images import check

    hostile = progressive_jpeg_with_empty_scans(4096, 3072, 95_000)
    print(f"95,000-scan 4096x3072 progressive JPEG: {len(hostile) / 1e6:.2f} MB")
    line("API header check refuses it (vision_contract.images.check)", timed(runs, check, hostile))
    line("vision decode refuses it (decode.decode_image)", timed(runs, decode_image, hostile))
    for scans in (0, 500, 2000):
        data = progressive_jpeg_with_empty_scans(4096, 3072, scans)
        spent = timed(1, lambda d=data: cv2.imdecode(np.frombuffer(d, np.uint8), cv2.IMREAD_COLOR))
        line(f"OpenCV decodes it with {scans} empty scans (before: no count)", spent)
    noisy = np.random.default_rng(1).integers(0, 256, (3024, 4032, 3), np.uint8)
    genuine = cv2.imencode(".jpg", noisy, [cv2.IMWRITE_JPEG_QUALITY, 70])[1].tobytes()
    line(f"the walk over a genuine {len(genuine) / 1e6:.1f} MB 12 MP JPEG (check)", timed(runs, check, genuine))


def ocr(runs: int) -> None:
    import cv2
    import numpy as np
    from support import unique_id_number

    from localstage.demo_cards import draw_card
    from vision import id_card

    id_card.warm_ocr()
    dense = cv2.imdecode(np.frombuffer(dense_text_card(), np.uint8), cv2.IMREAD_COLOR)
    line("a dense-text card refused after detection (read_card_text)", timed(runs, id_card.read_card_text, dense))
    with id_card.ocr_engine() as engine:
        line("the same card read whole by RapidOCR (before: one lock held)", timed(1, engine, dense))
    face = sorted((REPO.parent / "shared" / "vision-devset" / "reference").glob("p0*.jpg"))[0].read_bytes()
    card = cv2.imdecode(np.frombuffer(draw_card("王建国", unique_id_number(1950), face), np.uint8), cv2.IMREAD_COLOR)
    line("a drawn card read in full (read_card_text)", timed(runs, id_card.read_card_text, card))


def local_servers(runs: int) -> None:
    import importlib.util

    from support import free_port

    from localstage.fake_authority import Records
    from localstage.fake_authority import make_server as authority

    spec = importlib.util.spec_from_file_location("h5_serve_bench", REPO / "h5" / "serve.py")
    h5 = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(h5)
    for label, port, server, path in (
            ("H5 proxy", p := free_port(), h5.make_server(p, f"http://127.0.0.1:{free_port()}"), b"/api/auth/login"),
            ("fake authority", q := free_port(), authority(q, "bench-key-0123456789", Records()), b"/v1/records")):
        threading.Thread(target=server.serve_forever, daemon=True).start()

        def ask(port=port, path=path):
            with socket.create_connection(("127.0.0.1", port), timeout=30) as client:
                client.sendall(b"POST " + path + b" HTTP/1.1\r\nContent-Length: -1\r\n\r\n")
                answer = b""
                while chunk := client.recv(4096):  # the server closes after a malformed request
                    answer += chunk
                assert answer.startswith(b"HTTP/1.0 400"), answer[:40]

        line(f"{label} answers 400 to Content-Length: -1 (before: never)", timed(runs, ask))
        server.shutdown()


def main(runs: int) -> None:
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; {runs} runs each")
    decoders(runs)
    ocr(max(1, runs // 5))
    local_servers(runs)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
