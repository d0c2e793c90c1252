"""The ID card front: its printed name and number read by OCR, its portrait found; and the bounds
that keep one small image from holding the vision function (issue 10, item 7).

Cards are drawn (localstage.demo_cards: a CJK font, a dev-set face as the portrait), never real."""
from __future__ import annotations

import base64
import struct
import subprocess
import sys
import time
import zlib
from contextlib import contextmanager

import numpy as np
import pytest

from localstage.demo_cards import draw_card

DEVSET_REFERENCE = __import__("pathlib").Path(__file__).resolve().parents[3] / "shared" / "vision-devset" / "reference"
# How long these refusals and bounded searches take is measured by bench/refusal_bench.py; the tests
# check what bounds them (the header is read and nothing decoded, the window count, the budget).


def face(person: str = "p04") -> bytes:
    return (DEVSET_REFERENCE / f"{person}.jpg").read_bytes()


def png(width: int, height: int) -> bytes:
    """A real, valid, all-black RGB PNG of any size, built without allocating its pixels twice."""
    row = b"\x00" + b"\x00" * (3 * width)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", data) + chunk(b"IEND", b""))


def jpeg_header(width: int, height: int) -> bytes:
    """A JPEG whose frame header claims width x height (a decompression bomb's header)."""
    sof = struct.pack(">BHHB", 8, height, width, 3) + b"\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    return b"\xff\xd8" + b"\xff\xc0" + struct.pack(">H", len(sof) + 2) + sof + b"\xff\xda\x00\x02" + b"\x00" * 64


@pytest.fixture(scope="module", autouse=True)
def warm_handler():
    """The handler loads every model at import (the function's init): not part of any call's time."""
    import vision.handler  # noqa: F401


@pytest.fixture(scope="module")
def strip_png():
    image = png(64, 262144)
    assert len(image) < 60_000  # the 49 KB image
    return image


def handler(event):
    from vision.handler import lambda_handler

    return lambda_handler(event, None)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@contextmanager
def decodes(monkeypatch):
    """Within: every call of OpenCV's decoder, recorded (and run)."""
    import cv2

    calls: list[int] = []
    decode = cv2.imdecode

    def recorded(buffer, *args, **kwargs):
        calls.append(len(buffer))
        return decode(buffer, *args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(cv2, "imdecode", recorded)
        yield calls


def counted_windows(monkeypatch) -> list[str]:
    """The detector's windows, as it reports each to the time budget (one ``budget.check`` each)."""
    from vision import budget

    windows: list[str] = []
    check = budget.check

    def counting(where: str) -> None:
        if where == "detect_tile":
            windows.append(where)
        check(where)

    monkeypatch.setattr(budget, "check", counting)
    return windows


@pytest.mark.parametrize("image, code", [
    (None, "IMAGE_INVALID"),  # the 64 x 262144 strip (fixture below)
    (jpeg_header(65000, 65000), "IMAGE_TOO_LARGE"),
    (jpeg_header(4097, 1200), "IMAGE_TOO_LARGE"),
    (jpeg_header(4096, 3100), "IMAGE_TOO_LARGE"),  # 12.7 MP
    (jpeg_header(4096, 1000), "IMAGE_INVALID"),  # 4.1 : 1
    (png(64, 300), "IMAGE_INVALID"),  # 4.7 : 1, a few hundred bytes
])
def test_oversized_and_strip_images_are_refused_from_the_header(strip_png, image, code, monkeypatch):
    image = image or strip_png
    for event in ({"action": "read_id_card", "image": b64(image)},
                  {"action": "embed_reference", "image": b64(image)},
                  {"action": "decide_session", "references": [],
                   "steps": [{"challenge": "blink", "frames": [b64(image)] * 3}] * 2}):
        with decodes(monkeypatch) as decoded:
            answer = handler(event)
        assert (answer["ok"], answer["code"], decoded) == (False, code, []), answer


def test_within_the_limits_a_faceless_wide_image_is_searched_in_bounded_windows(monkeypatch):
    """4:1 at the 4096 px side: the most windows the tiled search can need (52 per model, capped at 64)."""
    from vision import quality
    from vision.errors import VisionError
    from vision.frame import analyze

    image = png(4096, 1024)
    windows = counted_windows(monkeypatch)
    with pytest.raises(VisionError) as refused:
        analyze(image, quality.REFERENCE, tiled=True)
    assert refused.value.code == "NO_FACE"
    assert len(windows) == 2 * 52  # the short-range model's windows, then the full-range model's


def test_the_tile_cap_refuses_an_image_that_would_need_more_windows(monkeypatch):
    """A second guard behind the aspect limit: the detector itself never searches past MAX_TILES."""
    from vision.detector import MAX_TILES, get_detector
    from vision.errors import VisionError

    strip = np.zeros((64, 64 * 40, 3), np.uint8)  # would need ~160 windows
    windows = counted_windows(monkeypatch)
    with pytest.raises(VisionError) as refused:
        get_detector().detect(strip, tiled=True)
    assert refused.value.detail.startswith("too_many_tiles")
    assert len(windows) == MAX_TILES == 64  # the 65th window is refused before it is searched


def test_opencv_refuses_past_the_pixel_limit_even_without_the_header_check():
    """OPENCV_IO_MAX_IMAGE_PIXELS is set by the vision package before any decode: OpenCV itself
    refuses a 13 MP PNG, so a header the parser here misread could still not allocate it."""
    code = ("import sys; sys.path.insert(0, 'layers/vision'); import vision.decode, cv2, numpy as np\n"
            "try:\n    refused = cv2.imdecode(np.frombuffer(open(sys.argv[1], 'rb').read(), np.uint8), 1) is None\n"
            "except cv2.error as e:\n    refused = 'CV_IO_MAX_IMAGE_PIXELS' in str(e)\n"
            "small = cv2.imdecode(np.frombuffer(open(sys.argv[2], 'rb').read(), np.uint8), 1)\n"
            "print(refused, small is not None)")
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "big.png").write_bytes(png(4000, 3250))
        (Path(folder) / "small.png").write_bytes(png(640, 480))
        result = subprocess.run([sys.executable, "-c", code, str(Path(folder) / "big.png"), str(Path(folder) / "small.png")],
                                capture_output=True, text=True, timeout=60, cwd=Path(__file__).resolve().parents[2])
    assert result.stdout.split()[-2:] == ["True", "True"], result.stderr[-1000:]


def test_a_call_past_its_time_budget_is_answered_busy_not_left_running():
    from vision import budget

    with budget.budget(0.0):
        time.sleep(0.001)
        with pytest.raises(budget.VisionBusy):
            from vision import quality
            from vision.frame import analyze

            analyze(face(), quality.LIVE)


def test_a_drawn_card_is_read_name_number_and_portrait():
    card = draw_card("王建国", "610102194803150011", face("p04"))
    answer = handler({"action": "read_id_card", "image": b64(card)})
    assert answer["ok"], answer
    assert (answer["name"], answer["id_number"]) == ("王建国", "610102194803150011")
    from vision import embed_reference, similarity

    assert similarity(answer["embedding"], embed_reference(face("p04"))) >= 0.5  # the portrait is the face drawn


def test_a_card_with_an_x_check_digit_and_a_three_character_name_is_read():
    card = draw_card("欧阳秀英", "61010219500101002X", face("p06"), fmt="PNG")
    answer = handler({"action": "read_id_card", "image": b64(card)})
    assert (answer["name"], answer["id_number"]) == ("欧阳秀英", "61010219500101002X"), answer


def test_a_face_photo_is_not_a_card():
    answer = handler({"action": "read_id_card", "image": b64(face("p04"))})
    assert (answer["ok"], answer["code"]) == (False, "ID_CARD_UNREADABLE")


def test_a_card_without_a_portrait_is_unreadable():
    answer = handler({"action": "read_id_card", "image": b64(draw_card("王建国", "610102194803150011", None))})
    assert (answer["ok"], answer["code"], answer["detail"]) == (False, "ID_CARD_UNREADABLE", "no_portrait")


def test_a_misprinted_check_digit_is_a_misreading_not_another_number():
    answer = handler({"action": "read_id_card", "image": b64(draw_card("王建国", "610102194803150012", face()))})
    assert (answer["ok"], answer["code"]) == (False, "ID_CARD_UNREADABLE")


@pytest.mark.parametrize("name", ["李秀英", "欧阳建华", "阿依古丽·买买提", "陳國慶", "王玥", "刘淑珍"])
def test_names_of_every_shape_are_read_as_printed(name):
    """Two to seven characters, a ·, traditional characters (compared after the API's own
    normalisation, which turns them simplified), one rare character."""
    from support import unique_id_number

    from pensioncert import normalize

    number = unique_id_number(1946)
    answer = handler({"action": "read_id_card", "image": b64(draw_card(name, number, face("p06")))})
    assert answer["ok"], answer
    assert (normalize.name(answer["name"]), answer["id_number"]) == (normalize.name(name), number)


def test_over_budget_the_api_answers_a_retryable_503_not_a_decision(monkeypatch):
    """The whole chain: the handler stops at its budget and answers VISION_BUSY; the API's vision
    client turns that into 503 VISION_UNAVAILABLE (an outage: no attempt is counted for it)."""
    from pensioncert.errors import AppError, ErrorCode
    from pensioncert.vision_client import VisionClient
    from vision import budget

    class HandlerTransport:  # the vision function's handler, called as Lambda would (no S3 needed here)
        def invoke(self, event):
            return handler(event)

    monkeypatch.setattr(budget, "BUDGET_SECONDS", 0.0)
    client = VisionClient(HandlerTransport())
    with pytest.raises(AppError) as busy:
        client.read_id_card(draw_card("王建国", "610102194803150011", face()))
    assert busy.value.code is ErrorCode.VISION_UNAVAILABLE and busy.value.status == 503


def photographed(card: bytes, angle: float, tilt: float, size=(1280, 960)) -> bytes:
    """The drawn card as a phone would photograph it: on a noisy desk, turned by ``angle`` degrees,
    its far edge foreshortened by ``tilt``, slightly soft, JPEG quality 80."""
    import cv2

    rng = np.random.default_rng(7)
    image = cv2.imdecode(np.frombuffer(card, np.uint8), cv2.IMREAD_COLOR)
    h, w = image.shape[:2]
    width, height = size
    desk = (np.full((height, width, 3), (90, 110, 130), np.uint8)
            + rng.integers(0, 20, (height, width, 3), dtype=np.uint8))
    half_w, half_h = 0.75 * width / 2, 0.75 * width / w * h / 2
    corners = np.float32([[-half_w * (1 - tilt), -half_h], [half_w * (1 - tilt), -half_h], [half_w, half_h], [-half_w, half_h]])
    turn = np.radians(angle)
    rotation = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]])
    corners = (corners @ rotation.T + [width / 2, height / 2]).astype(np.float32)
    warp = cv2.getPerspectiveTransform(np.float32([[0, 0], [w, 0], [w, h], [0, h]]), corners)
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), warp, (width, height))
    photo = np.where(mask[..., None] > 0, cv2.warpPerspective(image, warp, (width, height)), desk)
    _ok, buffer = cv2.imencode(".jpg", cv2.GaussianBlur(photo, (3, 3), 0.8), [cv2.IMWRITE_JPEG_QUALITY, 80])
    return buffer.tobytes()


@pytest.mark.parametrize("angle, tilt", [(0, 0.0), (8, 0.06), (-12, 0.1), (180, 0.0)])
def test_a_photographed_card_is_read_turned_foreshortened_or_upside_down(angle, tilt):
    card = photographed(draw_card("赵文华", "61010219500101002X", face("p06")), angle, tilt)
    answer = handler({"action": "read_id_card", "image": b64(card)})
    assert answer.get("ok"), answer
    assert (answer["name"], answer["id_number"]) == ("赵文华", "61010219500101002X")


def test_every_one_of_sixteen_drawn_cards_is_read_exactly():
    """Random numbers, several names and portraits: a misreading here once came from a colon read
    after 姓名 and from a label box overlapping the name's; both would refuse genuine retirees."""
    from support import unique_id_number

    names = ("李秀英", "王建国", "欧阳建华", "张德明")
    misread = []
    for k in range(16):
        name, number = names[k % 4], unique_id_number(1938 + k)
        answer = handler({"action": "read_id_card", "image": b64(draw_card(name, number, face(f"p0{1 + k % 8}")))})
        if (answer.get("name"), answer.get("id_number")) != (name, number):
            misread.append((name, number, answer.get("name"), answer.get("id_number"), answer.get("detail")))
    assert misread == []
