"""The front of a resident ID card: the printed name and number (OCR), and the portrait (face crop).

OCR is RapidOCR (PaddleOCR's PP-OCR detection and recognition models in ONNX, shipped inside the
``rapidocr`` wheel, run by onnxruntime): nothing is downloaded at run time. The vision package
only reads what is printed; the API compares it with the claim (normalised the same way as any
name or ID number it receives).
"""

import contextlib
import os
import queue
import re
import threading
import unicodedata
from dataclasses import dataclass

import cv2
import numpy as np

from . import budget, quality
from .budget import VisionBusy
from .decode import decode_image
from .detector import get_detector
from .errors import VisionError
from .frame import Frame, analyze_image

# The portrait is cropped with this many face widths of margin on each side (MediaPipe's mesh ROI
# needs 1.5x the box, dlib's chip 1.25x), then scaled so the face is PORTRAIT_FACE_PX wide.
CROP_MARGIN = 0.6
PORTRAIT_FACE_PX = 200
# A card portrait is printed small (the Chinese resident ID portrait is 26 x 32 mm) and photographed
# through glare and laminate: the face may be small and a little soft, but still frontal.
ID_CARD = quality.QualityProfile(
    min_face_px=60,
    min_brightness=50,
    max_brightness=220,
    min_sharpness=40,
    max_abs_yaw=25,
    max_abs_roll=20,
    min_mesh_score=0.8,
)


def crop_portrait(img: np.ndarray) -> np.ndarray:
    dets = get_detector().detect(img, tiled=True)
    if not dets:
        raise VisionError("ID_CARD_UNREADABLE", "no_portrait")
    det = dets[0]  # the largest face: the portrait, not a ghost image or a background face
    h, w = img.shape[:2]
    fw = det.width
    x0, y0, x1, y1 = det.box
    a, b = int(max(x0 - CROP_MARGIN * fw, 0)), int(max(y0 - CROP_MARGIN * fw, 0))
    c, d = int(min(x1 + CROP_MARGIN * fw, w)), int(min(y1 + CROP_MARGIN * fw, h))
    crop = img[b:d, a:c]
    scale = PORTRAIT_FACE_PX / max(fw, 1.0)
    interp = cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA
    return cv2.resize(crop, None, fx=scale, fy=scale, interpolation=interp)


def portrait_frame(data: bytes) -> Frame:
    img = decode_image(data)
    crop = crop_portrait(img)
    try:
        return analyze_image(crop, ID_CARD)
    except VisionError as e:
        if e.code in ("NO_FACE", "MULTIPLE_FACES"):
            raise VisionError("ID_CARD_UNREADABLE", f"portrait_{e.code.lower()}") from e
        raise


# Card text is read at most this many pixels on the longer side: the card fills most of an app's
# ~1280 px photo; a 12 MP photo is scaled down first. OCR time grows with the area (measured
# by bench/ocr_bench.py: ~1.0-1.3 s for an 856 x 540 card on one core of this shared box).
OCR_MAX_SIDE = 1280
# The printed 18-character number: 17 digits and a check character (digit or X).
_ID_RE = re.compile(r"\d{17}[\dX]")
_NAME_LABEL = "姓名"
_LEADING_MARKS = re.compile(r"^[^\u3400-\u9fff]+")
_GB11643_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_GB11643_CHECK = "10X98765432"

# A card's front has about 12 printed text boxes (measured on drawn cards: 12); each box is recognised
# on its own, so a photo dense with text was the cost: 360 boxes held the OCR for 16 s (issue 19,
# finding 10; 38 s on this shared box under load). Past this many boxes the photo is not a card.
MAX_TEXT_BOXES = 40
# Boxes are recognised this many at a time, the call's time budget checked between (a box's cost
# grows with its length: 40 long lines cost more than a card's 12 short ones).
RECOGNITION_CHUNK = 8
# Engines are not documented as thread-safe, so each runs one card at a time; a call waits at most
# OCR_WAIT_SECONDS for a free one, then answers busy (503, retryable) instead of queueing behind a
# stalled card. One engine per process: Lambda runs one call per container; the local stage's API
# threads share it (VISION_OCR_ENGINES adds engines, ~60 MiB each).
OCR_ENGINES = int(os.environ.get("VISION_OCR_ENGINES", "1"))
OCR_WAIT_SECONDS = float(os.environ.get("VISION_OCR_WAIT_SECONDS", "5"))
_free_engines: queue.Queue = queue.Queue()
_engines_made = 0
_making = threading.Lock()


@dataclass(frozen=True)
class CardText:
    name: str
    id_number: str


def _ocr():
    """A new engine (cards only: certification calls never load one)."""
    from rapidocr import RapidOCR

    return RapidOCR(params={
        "Global.log_level": "error",
        "Det.limit_type": "max",
        "Det.limit_side_len": 960,
        # Lines recognised one at a time: a batch is padded to its widest line, and on a card
        # (one long number line, many short ones) batches of 6 measured ~60 MiB more peak
        # memory (365 vs 304 MiB) and no faster here.
        "Rec.rec_batch_num": 1,
        # One thread: Lambda's share of a core at this memory size; more threads gained
        # nothing measurable here and contend with concurrent calls in the local stage.
        "EngineConfig.onnxruntime.intra_op_num_threads": 1,
        "EngineConfig.onnxruntime.inter_op_num_threads": 1,
    })


@contextlib.contextmanager
def ocr_engine(wait_seconds: float | None = None):
    """An engine of this process's own, for one card; VisionBusy if none is free within the wait."""
    global _engines_made
    engine = None
    with _making:
        if _free_engines.empty() and _engines_made < OCR_ENGINES:
            _engines_made += 1
            engine = _ocr()
    if engine is None:
        try:
            engine = _free_engines.get(timeout=OCR_WAIT_SECONDS if wait_seconds is None else wait_seconds)
        except queue.Empty:
            raise VisionBusy("ocr_queue") from None
    try:
        yield engine
    finally:
        _free_engines.put(engine)


def warm_ocr() -> None:
    """Load an engine now (a bench's load time; otherwise the first card loads it)."""
    with ocr_engine():
        pass


def _clean(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).upper()


def _valid_id(number: str) -> bool:
    total = sum(int(d) * w for d, w in zip(number[:17], _GB11643_WEIGHTS))
    return _GB11643_CHECK[total % 11] == number[17]


def _lines(img: np.ndarray) -> list[tuple[str, np.ndarray]]:
    h, w = img.shape[:2]
    scale = min(1.0, OCR_MAX_SIDE / max(h, w))
    if scale < 1.0:
        img = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    budget.check("ocr")
    with ocr_engine() as engine:
        result = _read_text(engine, img)
    budget.check("ocr_done")
    if not result.txts:
        return []
    return [(_clean(t), np.asarray(b, np.float32)) for t, b in zip(result.txts, result.boxes)]


def _read_text(engine, img: np.ndarray):
    """RapidOCR's own steps (its ``__call__``: detect, classify, recognise, map back), with the box
    count checked between detection and recognition: ID_CARD_UNREADABLE past MAX_TEXT_BOXES."""
    from rapidocr.ch_ppocr_cls import TextClsOutput
    from rapidocr.ch_ppocr_rec import TextRecOutput
    from rapidocr.main import RapidOCRError
    from rapidocr.utils.output import RapidOCROutput

    img = engine.load_img(img)
    prepared, record = engine.preprocess_img(img)
    try:
        crops, detected = engine.detect_and_crop(prepared, record)
    except RapidOCRError:  # no text found at all
        return RapidOCROutput()
    if len(crops) > MAX_TEXT_BOXES:
        raise VisionError("ID_CARD_UNREADABLE", f"too_much_text:{len(crops)}>{MAX_TEXT_BOXES}")
    budget.check("ocr_detected")
    classified = TextClsOutput()
    try:
        crops_upright = crops
        if engine.use_cls:
            crops_upright, classified = engine.cls_and_rotate(crops)
        parts = []
        for start in range(0, len(crops_upright), RECOGNITION_CHUNK):
            budget.check("ocr_recognise")
            parts.append(engine.recognize_txt(crops_upright[start:start + RECOGNITION_CHUNK]))
    except RapidOCRError:  # nothing classified or read
        return RapidOCROutput()
    recognised = TextRecOutput(
        imgs=[i for part in parts for i in (part.imgs or [])],
        txts=tuple(t for part in parts for t in part.txts or ()),
        scores=[x for part in parts for x in part.scores],
        word_results=tuple(w for part in parts for w in part.word_results),
        elapse=sum(part.elapse or 0.0 for part in parts))
    return engine.build_final_output(img, detected, classified, recognised, crops, record)


def _name(lines: list[tuple[str, np.ndarray]]) -> str | None:
    """The text after the 姓名 label: in the label's own box, or the nearest box to its right on
    the same line."""
    for text, box in lines:
        if not text.startswith(_NAME_LABEL):
            continue
        # A colon or a stray mark read between the label and the name is not part of the name.
        rest = _LEADING_MARKS.sub("", text[len(_NAME_LABEL):])
        if rest:
            return rest
        y0, y1 = box[:, 1].min(), box[:, 1].max()
        middle = box[:, 0].mean()  # detected boxes of neighbouring words may overlap by a few px
        row = [(b[:, 0].min(), t) for t, b in lines
               if b[:, 0].min() > middle and min(y1, b[:, 1].max()) - max(y0, b[:, 1].min()) > 0.5 * (y1 - y0)]
        if row:
            return min(row)[1]
    return None


def read_card_text(img: np.ndarray) -> CardText:
    """The name and number printed on the card; ID_CARD_UNREADABLE if either cannot be read
    (a number that fails its GB 11643 check digit is a misreading, not a different number)."""
    lines = _lines(img)
    numbers = [m for text, _ in lines for m in _ID_RE.findall(text)]
    valid = [n for n in numbers if _valid_id(n)]
    name = _name(lines)
    if not valid or not name:
        raise VisionError("ID_CARD_UNREADABLE", "text_not_read" if lines else "no_text")
    return CardText(name=name, id_number=valid[0])


def read_card(data: bytes) -> tuple[CardText, Frame]:
    """Decode once; the printed text, then the portrait's frame. A card held upside down (text
    found but not in reading order) is read once more turned round."""
    img = decode_image(data)
    try:
        text = read_card_text(img)
    except VisionError as e:
        if e.detail != "text_not_read":
            raise
        img = cv2.rotate(img, cv2.ROTATE_180)
        text = read_card_text(img)
    crop = crop_portrait(img)
    try:
        return text, analyze_image(crop, ID_CARD)
    except VisionError as e:
        if e.code in ("NO_FACE", "MULTIPLE_FACES"):
            raise VisionError("ID_CARD_UNREADABLE", f"portrait_{e.code.lower()}") from e
        raise
