"""Reading what dcc.Upload hands a callback (a data: URL) back into text or bytes."""
from __future__ import annotations

import base64

from pensioncert.admin import labels


def upload_bytes(contents: str | None) -> bytes | None:
    if contents is None:
        return None
    try:
        return base64.b64decode(contents.split(",", 1)[1])
    except (AttributeError, IndexError, ValueError):
        return None


def upload_text(contents: str | None) -> tuple[str, str | None]:
    """(text, None) or ("", a message for staff)."""
    data = upload_bytes(contents)
    try:
        if data is not None:
            return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    return "", labels.CSV_UNREADABLE
