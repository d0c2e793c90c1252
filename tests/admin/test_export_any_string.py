"""Issue 19, finding 12 (exports): a region containing ':' or '[' or a unit with control characters,
both accepted by the import, made the XLSX export raise; the provincial export covers every region,
so one such record broke it province-wide. Each export now writes any stored string."""
from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from admin_support import HEADER, unique_region
from openpyxl import Workbook, load_workbook
from support import unique_id_number

from pensioncert.admin import events
from pensioncert.admin.exports import SHEET_TITLE_MAX, append_row, sheet_title
from pensioncert.clock import BEIJING, FakeClock
from pensioncert.jobs import suspensions
from pensioncert.logic.registry_import import import_registry

CONTROL_UNIT = "新城区\x07机关\x1b事务中心\x00"


def test_the_provincial_suspension_export_holds_a_region_with_colon_and_bracket_and_a_unit_with_controls(
        svc, province_admin):
    region = "西安市:新城[区]" + unique_region()
    person = unique_id_number(1950)
    report = import_registry(svc, HEADER + f"{person},郑四,{region},{CONTROL_UNIT},recipient,,,\n", None, None)
    assert report.errors == []  # the import takes both, as the issue found
    svc.clock = FakeClock(datetime(2027, 1, 2, 9, tzinfo=BEIJING))
    assert suspensions.run(svc, only_regions=[region]).suspended == 1

    _, data = events.export(svc, province_admin, "suspended", "xlsx")
    book = load_workbook(io.BytesIO(data))
    rows = [[cell.value for cell in row] for sheet in book.worksheets for row in sheet.iter_rows()]
    found = [row for row in rows if row[3] == person]
    assert len(found) == 1 and found[0][0] == region
    assert found[0][1] == CONTROL_UNIT.replace("\x07", "\ufffd").replace("\x1b", "\ufffd").replace("\x00", "\ufffd")


def test_the_csv_export_keeps_such_strings_as_they_are(svc, province_admin):
    region = "宝鸡市[东]:" + unique_region()
    person = unique_id_number(1950)
    assert import_registry(svc, HEADER + f"{person},郑五,{region},{CONTROL_UNIT},recipient,,,\n", None, None).errors == []
    svc.clock = FakeClock(datetime(2027, 1, 2, 9, tzinfo=BEIJING))
    assert suspensions.run(svc, only_regions=[region]).suspended == 1
    _, data = events.export(svc, province_admin, "suspended", "csv")
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert [line[:2] for line in lines if line[3] == person] == [[region, CONTROL_UNIT]]


@pytest.mark.parametrize("text", ["a:b", "a[b]", "a/b\\c", "a?b*", "'quoted'", "x" * 40, "\x07", ""])
def test_every_text_makes_a_sheet_title_excel_accepts(text):
    book = Workbook()
    title = sheet_title(text, book.sheetnames)
    book.create_sheet(title=title)
    out = io.BytesIO()
    book.save(out)
    assert title in load_workbook(io.BytesIO(out.getvalue())).sheetnames and len(title) <= SHEET_TITLE_MAX


def test_regions_that_read_alike_get_sheets_of_their_own():
    book = Workbook()
    book.remove(book.worksheets[0])
    for region in ("西安:市", "西安[市", "西安_市", "x" * 31 + "1", "x" * 31 + "2"):
        book.create_sheet(title=sheet_title(region, book.sheetnames))
    assert len({name.casefold() for name in book.sheetnames}) == 5


def test_a_cell_with_every_control_character_xml_refuses_is_written():
    refused = [c for c in range(32) if chr(c) not in "\t\n\r"]
    book = Workbook()
    append_row(book.active, ["".join(map(chr, refused)) + "末"])
    out = io.BytesIO()
    book.save(out)
    assert load_workbook(io.BytesIO(out.getvalue())).active["A1"].value == "\ufffd" * len(refused) + "末"
