"""The one exception type the vision package raises for a decision about the input."""

CODES = (
    "NO_FACE",
    "MULTIPLE_FACES",
    "POOR_QUALITY",
    "LIVENESS_FAILED",
    "FACE_MISMATCH",
    "IMAGE_INVALID",
    "IMAGE_TOO_LARGE",
    "ID_CARD_UNREADABLE",
    "ID_CARD_MISMATCH",
)


class VisionError(Exception):
    """A decision, not a crash: `code` is one of CODES, `detail` says which check failed (English, for logs)."""

    def __init__(self, code: str, detail: str = ""):
        if code not in CODES:
            raise ValueError(f"unknown vision error code {code!r}")
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
