"""Showing an import's report: the counts, and each row error with its CSV line number."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from admin_dash.components.grid import grid

COLUMN_NAMES = {"id_number": "身份证号码", "name": "姓名", "region": "地区", "unit": "单位",
                "status": "待遇状态", "card_status": "社保卡状态", "card_password": "社保卡密码",
                "photo": "照片", "country": "居住国家/地区", "agency": "经办机构", "phone": "联系电话",
                "reason": "原因", "address": "地址", "contact_phone": "联系电话", "file": "文件"}


def import_report(report) -> html.Div:
    data = report.as_dict()
    summary = (f"共 {data['rows']} 行：新增或更新 {data['written']} 行，未变化 {data['unchanged']} 行，"
               f"有误 {len(data['errors'])} 处。")
    color = "warning" if data["errors"] else "success"
    children = [dbc.Alert(summary, color=color, className="mt-2 import-summary")]
    if data.get("duplicate_faces", 0) != 0:  # a registry import's duplicate-face check (issue 22)
        children.append(_duplicate_faces(data["duplicate_faces"]))
    if data["errors"]:
        errors = [{**error, "field": "、".join(COLUMN_NAMES.get(f, f) for f in error["field"].split(","))}
                  for error in data["errors"]]
        children.append(grid("import-errors", [("line", "行号"), ("field", "列"), ("message", "问题")],
                             errors, height=220))
    return html.Div(children)


def _duplicate_faces(pairs: int | None) -> dbc.Alert:
    if pairs is None:
        return dbc.Alert("照片人脸查重未能完成，将在夜间检查中补做。", color="warning", className="mt-2 import-duplicates")
    return dbc.Alert(f"照片人脸查重：发现 {pairs} 对不同身份证号码为同一人脸，已列入“一人多户”名单，请核查。",
                     color="danger", className="mt-2 import-duplicates")
