"""Normalisation: what people type finds what is stored (property tests with hypothesis)."""
from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from pensioncert import normalize
from pensioncert.errors import AppError

FULL_WIDTH = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}


@st.composite
def id_numbers(draw) -> str:
    province = draw(st.sampled_from(["11", "31", "44", "61", "65"]))
    area = draw(st.integers(0, 9999))
    born = draw(st.dates(min_value=date(1920, 1, 1), max_value=date(2005, 12, 31)))
    serial = draw(st.integers(0, 999))
    base = f"{province}{area:04d}{born:%Y%m%d}{serial:03d}"
    return base + ric.calc_check_digit(base + "0")


def full_width(text: str) -> str:
    return "".join(FULL_WIDTH.get(c, c) for c in text)


@given(id_numbers(), st.booleans(), st.booleans())
def test_an_id_number_is_found_however_it_is_typed(number, lower, wide):
    typed = number.lower() if lower else number
    typed = full_width(typed) if wide else typed
    assert normalize.id_number(f" {typed} ") == number


@given(id_numbers(), st.integers(0, 16), st.integers(1, 9))
def test_a_mistyped_digit_is_caught_by_the_check_digit(number, position, shift):
    wrong_digit = str((int(number[position]) + shift) % 10)
    mistyped = number[:position] + wrong_digit + number[position + 1 :]
    with pytest.raises(AppError) as caught:
        normalize.id_number(mistyped)
    assert caught.value.code.name == "ID_NUMBER_INVALID"


def test_retirees_born_before_their_county_code_existed_are_accepted():
    # 610102 (Xi'an Xincheng) dates from 1983; stdnum's own validate() would refuse this person.
    base = "61010219480315001"
    number = base + ric.calc_check_digit(base + "0")
    assert normalize.id_number(number) == number


@pytest.mark.parametrize(
    "bad", ["", "6101021948031500", "61010219481315001X", "99010219480315001X", "abc", "6" * 40]
)
def test_malformed_id_numbers_are_refused(bad):
    with pytest.raises(AppError):
        normalize.id_number(bad)


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("張偉", "张伟"),
        ("  陳 國強 ", "陈国强"),
        ("阿卜杜・熱合曼", "阿卜杜·热合曼"),
        ("劉德華", "刘德华"),
        ("王建国", "王建国"),
    ],
)
def test_names_are_stored_simplified_and_without_spaces(typed, stored):
    assert normalize.name(typed) == stored


@given(st.text(alphabet="張偉陳國強劉德華鍾麗", min_size=2, max_size=30))
def test_name_normalisation_is_idempotent(name):
    once = normalize.name(name)
    assert normalize.name(once) == once
    assert unicodedata.normalize("NFKC", once) == once


@pytest.mark.parametrize("bad", ["王", "John Smith", "王1", "·王五", "王··五", "王" * 31])
def test_names_that_are_not_chinese_names_are_refused(bad):
    with pytest.raises(AppError) as caught:
        normalize.name(bad)
    assert caught.value.code.name == "NAME_INVALID"


@given(st.sampled_from(["138", "159", "186", "199"]), st.integers(0, 99_999_999))
def test_a_mobile_number_is_found_however_it_is_typed(prefix, rest):
    number = f"{prefix}{rest:08d}"
    for typed in (number, f"+86{number}", f"86 {number[:3]}-{number[3:7]}-{number[7:]}",
                  full_width(number), f"0086{number}"):
        assert normalize.phone(typed) == number


@pytest.mark.parametrize("bad", ["", "12345678901", "+1 650 253 0000", "02988886666", "1380013800",
                                 "+44 7700 900123", "x" * 30])
def test_numbers_that_are_not_mainland_mobiles_are_refused(bad):
    with pytest.raises(AppError) as caught:
        normalize.phone(bad)
    assert caught.value.code.name == "PHONE_NOT_MAINLAND"
    assert "国内亲友" in caught.value.message


def test_masking_keeps_only_the_region_prefix_and_last_four():
    assert normalize.mask_id_number("61010219480315001X") == "6101**********001X"
    assert normalize.mask_phone("13800138000") == "138****8000"
