"""Reports staff download (CSV, XLSX) are inert: no cell is read as a formula by a spreadsheet.

OWASP "CSV Injection": a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
may be evaluated by Excel or LibreOffice (``=HYPERLINK(...)`` from an agency name an operator
typed). In CSV such a cell gets a leading apostrophe; in XLSX every text cell is written as text
(a shared string), never as a formula, and keeps its value.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert_text(value):
    """A CSV cell: text starting like a formula gets a leading apostrophe; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(rows: Iterable[Iterable]) -> bytes:
    """UTF-8 with a BOM (opens in Excel), every cell through ``inert_text``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([inert_text(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def append_row(sheet, row: Iterable) -> None:
    """Append to an openpyxl worksheet with every string as a text cell: openpyxl would store a
    string starting with ``=`` as a formula."""
    values = list(row)
    sheet.append([None if isinstance(value, str) else value for value in values])
    line = sheet.max_row
    for column, value in enumerate(values, start=1):
        if isinstance(value, str):
            cell = sheet.cell(row=line, column=column)
            cell.value = value
            cell.data_type = "s"
