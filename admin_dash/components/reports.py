"""Showing an import's report: the counts, and each row error with its CSV line number."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from admin_dash.components.grid import grid
from pensioncert.admin import labels

COLUMN_NAMES = labels.IMPORT_COLUMNS


def import_report(report) -> html.Div:
    data = report.as_dict()
    summary = labels.IMPORT_SUMMARY.format(rows=data["rows"], written=data["written"], unchanged=data["unchanged"],
                                           errors=len(data["errors"]))
    color = "warning" if data["errors"] else "success"
    children = [dbc.Alert(summary, color=color, className="mt-2 import-summary")]
    if data.get("duplicate_faces", 0) != 0:  # a registry import's duplicate-face check (issue 22)
        children.append(_duplicate_faces(data["duplicate_faces"]))
    if data["errors"]:
        errors = [{**error, "field": "、".join(COLUMN_NAMES.get(f, f) for f in error["field"].split(","))}
                  for error in data["errors"]]
        children.append(grid("import-errors", labels.IMPORT_ERROR_COLUMNS,
                             errors, height=220))
    return html.Div(children)


def _duplicate_faces(pairs: int | None) -> dbc.Alert:
    if pairs is None:
        return dbc.Alert(labels.IMPORT_FACES_NOT_CHECKED, color="warning", className="mt-2 import-duplicates")
    return dbc.Alert(labels.IMPORT_FACES_DUPLICATED.format(pairs=pairs),
                     color="danger", className="mt-2 import-duplicates")
