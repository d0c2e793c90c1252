"""Issue 19, finding 10: a card photo dense with text held the one OCR lock for 16 s (each of its
360 text boxes recognised in turn), and every other card waited behind it. The box count is now
checked between detection and recognition, and a card waits a bounded time for an engine.
Timing figures: bench/bounded_input_bench.py."""
from __future__ import annotations

import base64
import contextlib
import threading

from hostile_media import dense_text_card
from test_id_card import handler


def test_a_card_dense_with_text_is_unreadable_before_any_line_is_recognised(monkeypatch):
    from rapidocr import RapidOCR

    from vision.id_card import MAX_TEXT_BOXES

    recognised: list[int] = []
    recognise = RapidOCR.recognize_txt

    def counted(self, crops):
        recognised.append(len(crops))
        return recognise(self, crops)

    monkeypatch.setattr(RapidOCR, "recognize_txt", counted)
    answer = handler({"action": "read_id_card", "image": base64.b64encode(dense_text_card()).decode()})
    assert (answer["ok"], answer["code"]) == (False, "ID_CARD_UNREADABLE")
    assert answer["detail"].startswith("too_much_text:") and answer["detail"].endswith(f">{MAX_TEXT_BOXES}")
    assert recognised == []


def test_a_card_that_finds_every_engine_busy_answers_busy_instead_of_queueing(monkeypatch):
    from vision import id_card

    monkeypatch.setattr(id_card, "OCR_WAIT_SECONDS", 0.2)
    holding, release = threading.Event(), threading.Event()

    def stalled_card():  # another call holding the process's engines, as the dense card did
        with contextlib.ExitStack() as stack:
            for _ in range(id_card.OCR_ENGINES):
                stack.enter_context(id_card.ocr_engine())
            holding.set()
            release.wait(30)

    other = threading.Thread(target=stalled_card)
    other.start()
    try:
        assert holding.wait(120)
        answer = handler({"action": "read_id_card", "image": base64.b64encode(dense_text_card()).decode()})
    finally:
        release.set()
        other.join()
    assert (answer["ok"], answer["code"], answer["detail"]) == (False, "VISION_BUSY", "time_budget:ocr_queue")



def test_recognition_stops_between_chunks_when_the_call_is_out_of_time(monkeypatch):
    """A photo under the box cap whose lines are costly: the time budget is checked every
    RECOGNITION_CHUNK boxes, so a call out of time stops there (here: the second check)."""
    from rapidocr import RapidOCR

    from vision import budget
    from vision.budget import VisionBusy
    from vision.id_card import MAX_TEXT_BOXES, RECOGNITION_CHUNK

    card = dense_text_card(rows=10, words_per_row=3)  # 30 boxes: under the cap, several chunks
    assert RECOGNITION_CHUNK < 30 <= MAX_TEXT_BOXES
    chunks: list[int] = []
    recognise = RapidOCR.recognize_txt

    def counted(self, crops):
        chunks.append(len(crops))
        return recognise(self, crops)

    checks = budget.check

    def out_of_time_at_the_second_chunk(where: str) -> None:
        if where == "ocr_recognise" and chunks:
            raise VisionBusy(where)
        checks(where)

    monkeypatch.setattr(RapidOCR, "recognize_txt", counted)
    monkeypatch.setattr(budget, "check", out_of_time_at_the_second_chunk)
    answer = handler({"action": "read_id_card", "image": base64.b64encode(card).decode()})
    assert (answer["code"], answer["detail"], chunks) == ("VISION_BUSY", "time_budget:ocr_recognise", [RECOGNITION_CHUNK])
