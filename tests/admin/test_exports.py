"""Exports are inert (issue 11, OWASP CSV injection): what an operator typed into an overseas
agency field reaches the provincial report as text, never as a formula."""
from __future__ import annotations

import csv
import io

from admin_support import import_people, operator_for, unique_region
from openpyxl import load_workbook

from pensioncert.admin import overseas

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # OWASP CSV injection
# What an import lets through (outer whitespace is stripped there: the tab and CR cases are below).
AGENCIES = ['=HYPERLINK("http://evil.example/x","点此")', "+1+1", "-2+3", "@SUM(A1:A2)", "西安市社会保险经办中心"]


def test_the_overseas_report_carries_no_formula(svc, province_admin):
    region = unique_region()
    people = import_people(svc, [(f"p{i}", "何远方", region, "本单位", "recipient") for i in range(len(AGENCIES))])
    listing = io.StringIO(newline="")
    writer = csv.writer(listing)
    writer.writerow(["id_number", "name", "country", "agency", "phone"])
    writer.writerows([people[f"p{i}"], "何远方", "新西兰", agency, ""] for i, agency in enumerate(AGENCIES))
    report = overseas.import_list(svc, operator_for(region), listing.getvalue())
    assert report.errors == [] and report.written == len(AGENCIES)

    _, data = overseas.export(svc, operator_for(region), "csv")
    cells = [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")) for cell in row]
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
    for agency in AGENCIES[:-1]:
        assert "'" + agency in cells

    _, data = overseas.export(svc, province_admin, "xlsx")
    sheet = load_workbook(io.BytesIO(data)).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
    texts = {cell.value for cell in cells if cell.data_type == "s"}
    assert set(AGENCIES) <= texts  # kept as typed, as text


def test_tab_and_carriage_return_starts_are_neutralised_too():
    from openpyxl import Workbook

    from pensioncert.admin.exports import append_row, csv_bytes

    rows = list(csv.reader(io.StringIO(csv_bytes([["\t=1+1", "\r=1+1", 7]]).decode("utf-8-sig"), newline="")))
    assert rows == [["'\t=1+1", "'\r=1+1", "7"]]
    book = Workbook()
    append_row(book.active, ["\t=1+1", "=1+1", 7])
    out = io.BytesIO()
    book.save(out)
    cells = next(iter(load_workbook(io.BytesIO(out.getvalue())).active.iter_rows()))
    assert [(cell.value, cell.data_type) for cell in cells] == [("\t=1+1", "s"), ("=1+1", "s"), (7, "n")]
