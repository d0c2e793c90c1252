"""Normalising what people type: phone numbers, ID numbers, names.

Everything is stored in the normal form returned here, so a name typed in traditional characters,
an ID number with a lowercase x or full-width digits finds the same record as the canonical form.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from datetime import datetime

import opencc
import phonenumbers
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumValidationError

from pensioncert.clock import BEIJING
from pensioncert.errors import AppError, ErrorCode

# Dot-like characters people type between the parts of a transliterated name (e.g. 阿卜杜·热合曼);
# all become the middle dot U+00B7 that the ID card prints.
_NAME_DOTS = "・‧•∙⋅·．.ᐧ"
_NAME_PATTERN = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0002ebef·]{2,30}$")
_WHITESPACE = re.compile(r"\s+")
_ID_PATTERN = re.compile(r"^\d{17}[\dX]$")
# Province-level codes of GB/T 2260 (the first two digits of every resident ID number).
_PROVINCE_CODES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 "
    "71 81 82".split()
)


@functools.cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s.json")


def nfkc(text: str) -> str:
    """Full-width letters and digits to ASCII, compatibility forms folded, outer space stripped."""
    return unicodedata.normalize("NFKC", text).strip()


def phone(raw: str) -> str:
    """A mainland mobile number as its 11 digits; ``+86``/``86`` prefixes and separators accepted."""
    text = re.sub(r"[\s\-()]", "", nfkc(raw))
    if not text or len(text) > 20:
        raise AppError(ErrorCode.PHONE_NOT_MAINLAND)
    if text.startswith("00"):
        text = "+" + text[2:]
    if text.startswith("86") and len(text) == 13:
        text = "+" + text
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        raise AppError(ErrorCode.PHONE_NOT_MAINLAND) from None
    national = phonenumbers.national_significant_number(number)
    if (
        number.country_code != 86
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE
        or len(national) != 11
    ):
        raise AppError(ErrorCode.PHONE_NOT_MAINLAND)
    return national


def id_number(raw: str) -> str:
    """An 18-character resident ID number, check digit and birth date verified, ``X`` upper-case.

    Not ``ric.validate``: it also requires the county code to have existed in the birth year, and
    most retirees were born before the 1983 county codes their ID cards carry (610102… for a
    person born in Xi'an in 1948), so it would refuse the very people this system serves. The
    province part is checked against GB/T 2260 instead.
    """
    text = _WHITESPACE.sub("", nfkc(raw)).upper()
    if not _ID_PATTERN.fullmatch(text) or text[:2] not in _PROVINCE_CODES:
        raise AppError(ErrorCode.ID_NUMBER_INVALID)
    try:
        birth = ric.get_birth_date(text)
    except StdnumValidationError:
        raise AppError(ErrorCode.ID_NUMBER_INVALID) from None
    if birth.year < 1880 or birth > datetime.now(BEIJING).date() or ric.calc_check_digit(text) != text[-1]:
        raise AppError(ErrorCode.ID_NUMBER_INVALID)
    return text


def name(raw: str) -> str:
    """A Chinese name in simplified characters, without spaces, with ``·`` as the only separator."""
    text = _WHITESPACE.sub("", nfkc(raw))
    text = text.translate({ord(c): "·" for c in _NAME_DOTS})
    text = _t2s().convert(text)
    if not _NAME_PATTERN.fullmatch(text) or text.startswith("·") or text.endswith("·") or "··" in text:
        raise AppError(ErrorCode.NAME_INVALID)
    return text


def mask_id_number(value: str) -> str:
    """``6101**********123X``: region prefix and last four kept, as the contract shows it."""
    return value[:4] + "*" * 10 + value[-4:]


def mask_phone(value: str) -> str:
    return value[:3] + "****" + value[-4:]


def birth_date_digits(value: str) -> str:
    """YYYYMMDD from a valid ID number (used by the password rule)."""
    return value[6:14]
