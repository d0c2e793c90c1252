"""Drawn resident ID card fronts for tests and the local stage's demo: never a real card.

``draw_card(name, id_number, face)`` lays out the face side of a second-generation resident ID
card (ID-1 format, 85.6 x 54 mm at 10 px/mm) with a CJK font: labels, name, sex, ethnicity, birth
date, address, the 18-digit number, and a face photo as the portrait. Pillow only (the API's own
dependency); the font is WenQuanYi Micro Hei (Debian's fonts-wqy-microhei, installed by
`make browser`) or any font file named by PC_CARD_FONT.
"""
from __future__ import annotations

import io
import os
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

CARD_SIZE = (856, 540)
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
)
LABEL = (40, 110, 170)
INK = (20, 20, 20)
PAPER = (236, 238, 232)


def font_path() -> Path:
    for candidate in (os.environ.get("PC_CARD_FONT"), *FONT_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise FileNotFoundError("no CJK font for drawn ID cards: install fonts-wqy-microhei (`make browser`) "
                            "or set PC_CARD_FONT to a .ttf/.ttc with Chinese glyphs")


def _sex(id_number: str) -> str:
    return "男" if int(id_number[16]) % 2 else "女"


def draw_card(name: str, id_number: str, face: bytes | Path | None, *,
              address: str = "陕西省西安市新城区解放路101号", fmt: str = "JPEG") -> bytes:
    """The card as JPEG (or PNG) bytes. ``face``: image bytes or a path; cropped to the 26 x 32 mm
    portrait box on the right; None leaves the box empty."""
    font = str(font_path())
    label = ImageFont.truetype(font, 26)
    value = ImageFont.truetype(font, 34)
    number = ImageFont.truetype(font, 38)
    card = Image.new("RGB", CARD_SIZE, PAPER)
    draw = ImageDraw.Draw(card)
    draw.rounded_rectangle((4, 4, CARD_SIZE[0] - 5, CARD_SIZE[1] - 5), radius=28, outline=(200, 205, 200), width=3)
    y = 60
    draw.text((60, y), "姓 名", font=label, fill=LABEL)
    draw.text((150, y - 4), name, font=value, fill=INK)
    y += 70
    draw.text((60, y), "性 别", font=label, fill=LABEL)
    draw.text((150, y - 4), _sex(id_number), font=value, fill=INK)
    draw.text((260, y), "民 族", font=label, fill=LABEL)
    draw.text((350, y - 4), "汉", font=value, fill=INK)
    y += 70
    draw.text((60, y), "出 生", font=label, fill=LABEL)
    birth = f"{id_number[6:10]}  年  {int(id_number[10:12])}  月  {int(id_number[12:14])}  日"
    draw.text((150, y - 4), birth, font=value, fill=INK)
    y += 70
    draw.text((60, y), "住 址", font=label, fill=LABEL)
    draw.text((150, y - 4), address[:12], font=value, fill=INK)
    if address[12:]:
        draw.text((150, y + 42), address[12:24], font=value, fill=INK)
    draw.text((60, 440), "公民身份号码", font=label, fill=LABEL)
    draw.text((260, 434), id_number, font=number, fill=INK)
    if face is not None:
        photo = Image.open(io.BytesIO(face) if isinstance(face, (bytes, bytearray)) else face).convert("RGB")
        box_w, box_h = 250, 310
        scale = max(box_w / photo.width, box_h / photo.height)
        photo = photo.resize((round(photo.width * scale), round(photo.height * scale)))
        left, top = (photo.width - box_w) // 2, (photo.height - box_h) // 2
        card.paste(photo.crop((left, top, left + box_w, top + box_h)), (570, 60))
    out = io.BytesIO()
    card.save(out, fmt, **({"quality": 92} if fmt == "JPEG" else {}))
    return out.getvalue()
