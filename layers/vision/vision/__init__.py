"""Vision layer of the pension proof-of-life check: liveness from challenge frames, face matching.

Pure Python in, decisions out; every refusal is a VisionError with a code and a detail.
"""

from . import quality
from .embedder import get_embedder
from .errors import VisionError
from .frame import analyze, analyze_image
from .id_card import portrait_frame, read_card
from .matching import MATCH_THRESHOLD, similarity
from .session import CHALLENGES, SessionDecision, decide_session

__all__ = [
    "CHALLENGES",
    "MATCH_THRESHOLD",
    "SessionDecision",
    "VisionError",
    "decide_session",
    "embed_id_card_portrait",
    "embed_reference",
    "embed_reference_and_mirror",
    "read_id_card",
    "similarity",
    "warm_up",
]


def embed_reference(image: bytes) -> list[float]:
    """Registry or overseas photo → template, behind the strict REFERENCE quality gate."""
    f = analyze(image, quality.REFERENCE, tiled=True)
    return [float(x) for x in get_embedder().embed(f.image, f.det)]


def embed_reference_and_mirror(image: bytes) -> tuple[list[float], list[float]]:
    """A visit photo → its template and its left-right mirror's, both behind the REFERENCE gate: a
    mirrored copy of a reference, mirrored back, is the reference again (the four-eyes copy check)."""
    import numpy as np

    f = analyze(image, quality.REFERENCE, tiled=True)
    mirrored = analyze_image(np.ascontiguousarray(f.image[:, ::-1]), quality.REFERENCE, tiled=True)
    embedder = get_embedder()
    return ([float(x) for x in embedder.embed(f.image, f.det)],
            [float(x) for x in embedder.embed(mirrored.image, mirrored.det)])


def read_id_card(image: bytes) -> dict:
    """ID card front photo → the printed name and number, and the portrait's template."""
    text, f = read_card(image)
    return {"name": text.name, "id_number": text.id_number,
            "embedding": [float(x) for x in get_embedder().embed(f.image, f.det)]}


def embed_id_card_portrait(image: bytes) -> list[float]:
    """ID card front photo → portrait crop → template."""
    f = portrait_frame(image)
    return [float(x) for x in get_embedder().embed(f.image, f.det)]


def warm_up() -> None:
    """Load every model and run each once, so the first request pays no load or allocation cost."""
    import numpy as np

    from .detector import get_detector
    from .landmarks import get_mesher

    det = get_detector()
    mesher = get_mesher()
    emb = get_embedder()
    img = np.full((256, 256, 3), 128, np.uint8)
    det.detect(img)
    from .detector import Detection

    d = Detection(np.array([64, 64, 192, 192], np.float32), np.array([[100, 110], [156, 110], [128, 140], [128, 165], [70, 120], [186, 120]], np.float32), 1.0)
    mesher.mesh(img, d)
    emb.embed(img, d)
