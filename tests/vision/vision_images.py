"""Image helpers the vision tests import by name (a conftest is no module to import from: with
several conftest.py files in one run, ``import conftest`` finds whichever was loaded last)."""


def jpeg(image, quality: int = 92) -> bytes:
    import cv2

    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return buf.tobytes()
