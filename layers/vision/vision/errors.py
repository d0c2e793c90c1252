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

    def __init__(self, code: str, detail: str = "", *, similarity: float | None = None, review_band: bool = False):
        if code not in CODES:
            raise ValueError(f"unknown vision error code {code!r}")
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
        # FACE_MISMATCH's facts, as fields (never parsed from the detail): the similarity, and whether
        # it lies in the review band just below the match threshold (the likeliest genuine).
        self.similarity = similarity
        self.review_band = review_band

    def answer(self) -> dict:
        """The handler's refusal, as the API reads it (pensioncert.vision_client)."""
        facts = {} if self.similarity is None else {"similarity": self.similarity, "review_band": self.review_band}
        return {"ok": False, "code": self.code, "detail": self.detail, **facts}
