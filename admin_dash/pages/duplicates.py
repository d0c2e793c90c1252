"""同一人脸对应多名待遇人员: pairs of two ID numbers whose reference photos show the same face (issue 22);
click a pair to see both records and their photos side by side."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, html, no_update

from admin_dash.components.grid import grid
from admin_dash.components.session import call, current_staff
from admin_dash.components.shell import not_signed_in, page_title
from pensioncert.admin import duplicate_faces

dash.register_page(__name__, path="/duplicates", name="一人多户", order=3.7,
                   title=f"{duplicate_faces.TITLE} · 经办管理")

COLUMNS = [("similarity", "相似度"), ("name", "姓名"), ("id", "身份证号码"), ("region", "地区"), ("source", "照片"),
           ("other_name", "另一人姓名"), ("other_id", "另一人身份证号码"), ("other_region", "另一人地区"),
           ("other_source", "另一人照片"), ("listed_at", "发现时间")]


def layout(**_):
    if current_staff() is None:
        return not_signed_in()
    rows, error = call(duplicate_faces.pairs)
    return html.Div([
        page_title(duplicate_faces.TITLE,
                   "两个身份证号码的比对照片经人脸比对为同一人（与认证自动通过相同的阈值），可能一人以两个身份重复领取待遇。"
                   "每次导入名册和每晚检查新照片后更新。点击一行，核对两条记录和照片。"),
        error,
        grid("dup-rows", COLUMNS, rows or [], height=320, row_id="pair_id"),
        html.Div(id="dup-panel", className="mt-3"),
    ])


@callback(Output("dup-panel", "children"), Input("dup-rows", "cellClicked"), prevent_initial_call=True)
def show(cell):
    pair_id = (cell or {}).get("rowId")
    if not pair_id:
        return no_update
    shown, error = call(duplicate_faces.pair_detail, pair_id)
    if error:
        return error
    return dbc.Row([dbc.Col(_record(person), md=6) for person in shown["people"]], id="dup-records")


def _record(person: dict):
    facts = [("姓名", person["name"]), ("身份证号码", person["id"]), ("地区", person["region"]),
             ("单位", person["unit"]), ("待遇状态", person["status"])]
    return dbc.Card(dbc.CardBody([
        html.Dl([item for label, value in facts for item in (html.Dt(label), html.Dd(value))], className="row-facts"),
        html.Div([html.Figure([html.Img(src=photo["src"], style={"maxHeight": "220px"}),
                               html.Figcaption(photo["label"])], className="me-3 d-inline-block")
                  for photo in person["photos"]] or [html.P("无照片", className="text-muted")]),
    ]))
