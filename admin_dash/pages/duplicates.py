"""同一人脸对应多名待遇人员: pairs of two ID numbers whose reference photos show the same face (issue 22);
click a pair to see both records and their photos side by side."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update

from admin_dash.components.grid import grid
from admin_dash.components.session import alert, call, current_staff
from admin_dash.components.shell import not_signed_in, page_title
from pensioncert.admin import duplicate_faces

dash.register_page(__name__, path="/duplicates", name="一人多户", order=3.7,
                   title=f"{duplicate_faces.TITLE} · 经办管理")

COLUMNS = [("state", "核查状态"), ("similarity", "相似度"), ("name", "姓名"), ("id", "身份证号码"), ("region", "地区"), ("source", "照片"),
           ("other_name", "另一人姓名"), ("other_id", "另一人身份证号码"), ("other_region", "另一人地区"),
           ("other_source", "另一人照片"), ("listed_at", "发现时间"), ("reason", "核查意见")]


def layout(**_):
    if current_staff() is None:
        return not_signed_in()
    rows, error = call(duplicate_faces.pairs)
    return html.Div([
        page_title(duplicate_faces.TITLE,
                   "两个身份证号码的比对照片经人脸比对为同一人（与认证自动通过相同的阈值），可能一人以两个身份重复领取待遇。"
                   "每次导入名册和每晚检查新照片后更新。点击一行，核对两条记录和照片，再填写核查结论。"),
        error,
        grid("dup-rows", COLUMNS, rows or [], height=320, row_id="pair_id"),
        dcc.Store(id="dup-pair"),
        html.Div(id="dup-panel", className="mt-3"),
        dbc.Row([
            dbc.Col(dbc.RadioItems(id="dup-finding", inline=True, value=duplicate_faces.SAME_PERSON,
                                   options=[{"label": label, "value": finding}
                                            for finding, label in duplicate_faces.FINDINGS.items()]), md=5),
            dbc.Col(dbc.Input(id="dup-reason", placeholder="核查意见（必填）", maxLength=200), md=5),
            dbc.Col(dbc.Button("提交核查结论", id="dup-decide", color="primary"), md=2),
        ], className="g-2 mt-2"),
        html.Div(id="dup-result"),
    ])


@callback(Output("dup-pair", "data"), Output("dup-panel", "children"), Input("dup-rows", "cellClicked"),
          prevent_initial_call=True)
def show(cell):
    pair_id = (cell or {}).get("rowId")
    if not pair_id:
        return no_update, no_update
    shown, error = call(duplicate_faces.pair_detail, pair_id)
    if error:
        return None, error
    return pair_id, dbc.Row([dbc.Col(_record(person), md=6) for person in shown["people"]], id="dup-records")


@callback(Output("dup-result", "children"), Output("dup-rows", "rowData"), Input("dup-decide", "n_clicks"),
          State("dup-pair", "data"), State("dup-finding", "value"), State("dup-reason", "value"),
          prevent_initial_call=True)
def decide(_clicks, pair_id, finding, reason):
    if not pair_id:
        return alert("请先点击一行"), no_update
    result, error = call(duplicate_faces.decide, pair_id, finding=finding or "", reason=reason or "")
    rows, _ = call(duplicate_faces.pairs)
    if error:
        return error, rows or []
    return alert(f"已记录核查结论：{result['state']}", "success", id="dup-done"), rows or []


def _record(person: dict):
    facts = [("姓名", person["name"]), ("身份证号码", person["id"]), ("地区", person["region"]),
             ("单位", person["unit"]), ("待遇状态", person["status"])]
    return dbc.Card(dbc.CardBody([
        html.Dl([item for label, value in facts for item in (html.Dt(label), html.Dd(value))], className="row-facts"),
        html.Div([html.Figure([html.Img(src=photo["src"], style={"maxHeight": "220px"}),
                               html.Figcaption(photo["label"])], className="me-3 d-inline-block")
                  for photo in person["photos"]] or [html.P("无照片", className="text-muted")]),
    ]))
