"""Reports staff download (CSV, XLSX) are inert: no cell is read as a formula by a spreadsheet.

OWASP "CSV Injection": a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
may be evaluated by Excel or LibreOffice (``=HYPERLINK(...)`` from an agency name an operator
typed). In CSV such a cell gets a leading apostrophe; in XLSX every text cell is written as text
(a shared string), never as a formula, and keeps its value.

Any stored string is written (issue 19, finding 12: a region with ':' or '[' or a unit with a control
character, both accepted by the import, made the XLSX export raise, and the provincial export covers
every region): a sheet is titled by ``sheet_title`` (Excel's rules: no ``\\ / ? * [ ] :``, 31
characters, unique), and the control characters XML cannot hold are written as U+FFFD in XLSX.
CSV holds every character as it is.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# XML 1.0 cannot hold these (openpyxl's ILLEGAL_CHARACTERS_RE: C0 controls but tab, LF and CR).
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_NOT_IN_SHEET_TITLE = re.compile(r"[\\/?*\[\]:\x00-\x1f]")
SHEET_TITLE_MAX = 31


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
            cell.value = xlsx_text(value)
            cell.data_type = "s"


def xlsx_text(value: str) -> str:
    """The string as an XLSX cell can hold it: a control character XML refuses becomes U+FFFD."""
    return _NOT_IN_XML.sub("\ufffd", value)


def sheet_title(text: str, taken: Iterable[str]) -> str:
    """A sheet title for ``text`` by Excel's rules (no \\ / ? * [ ] :, not starting or ending with an
    apostrophe, at most 31 characters), different from every title ``taken`` (case-insensitively)."""
    title = _NOT_IN_SHEET_TITLE.sub("_", text).strip("'")[:SHEET_TITLE_MAX] or "_"
    used = {name.casefold() for name in taken}
    candidate, n = title, 1
    while candidate.casefold() in used:
        n += 1
        suffix = f"({n})"
        candidate = title[:SHEET_TITLE_MAX - len(suffix)] + suffix
    return candidate
