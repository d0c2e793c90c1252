"""人工复核: appeals from the app and manual certifications whose photo did not match; the evidence
beside the reference photo, the score and the reason; a decision with a reason."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update
from dash.development.base_component import Component

from admin_dash.components.grid import grid
from admin_dash.components.session import alert, call, current_staff
from admin_dash.components.shell import not_signed_in, page_title
from pensioncert.admin import reviews

dash.register_page(__name__, path="/reviews", name="人工复核", order=2.5, title="人工复核 · 经办管理")

QUEUE_COLUMNS = [("created", "申请时间"), ("kind_label", "类型"), ("name", "姓名"), ("id_masked", "身份证号码"),
                 ("region", "地区"), ("failure", "未通过原因"), ("similarity", "相似度"), ("due_by", "答复期限"),
                 ("overdue_label", "超期")]


def _rows():
    rows, error = call(reviews.queue)
    for row in rows or []:
        row["overdue_label"] = "已超期" if row["overdue"] else ""
    return rows or [], error


def layout(**_):
    if current_staff() is None:
        return not_signed_in()
    rows, error = _rows()
    return html.Div([
        page_title("人工复核", "APP认证人脸比对不一致（或本年度自助认证次数用完）后本人或亲友申请的复核，以及上门、境外认证"
                           "现场照片比对不一致的认证。须在申请后5个工作日内答复；现场照片比对不一致的，须由未参与上门的"
                           "省级管理员复核。点击一行查看材料。"),
        error,
        html.Div("待复核", className="section-title"),
        grid("review-queue", QUEUE_COLUMNS, rows, height=280, row_id="review_id"),
        dcc.Store(id="review-id"),
        html.Div(id="review-panel", className="mt-3"),
    ])


@callback(Output("review-id", "data"), Input("review-queue", "cellClicked"), prevent_initial_call=True)
def choose(cell):
    return (cell or {}).get("rowId") or no_update


@callback(Output("review-panel", "children"), Input("review-id", "data"), prevent_initial_call=True)
def panel(review_id):
    shown, error = call(reviews.detail, review_id)
    if error:
        return error
    evidence: list[Component] = [html.Figure([html.Img(src=image["src"], className="review-image", style={"maxHeight": "220px"}),
                             html.Figcaption(image["label"], className="small text-muted")],
                            className="me-2 mb-2 d-inline-block")
                for image in shown["evidence_images"]] or [html.P("认证材料已过保存期限或未保存", className="text-muted")]
    reference = (html.Img(src=shown["reference_image"], id="review-reference", style={"maxHeight": "220px"})
                 if shown["reference_image"] else html.P("本系统未保存该比对照片", className="text-muted"))
    facts = [("类型", shown["kind_label"]), ("未通过原因", shown["failure"]),
             ("相似度", (shown["similarity"] or "无") + ("（处于人工复核区间：略低于自动通过的阈值）" if shown["review_band"] else "")),
             ("比对对象", shown["reference_label"]),
             ("检测说明", shown["failure_detail"]), ("申请时间", shown["created"]), ("答复期限", shown["due_by"])]
    if shown["visited_on"]:
        facts += [("上门（核验）日期", shown["visited_on"]), ("地址", shown["visit_address"]),
                  ("上门（核验）人员", shown["visited_by"])]
    return dbc.Card(dbc.CardBody([
        html.H5(f"复核：{shown['name']}（{shown['id_masked']}，{shown['region']}）", id="review-title"),
        dbc.Row([
            dbc.Col([html.Div("认证时的画面 / 现场照片", className="section-title"), html.Div(evidence)], md=8),
            dbc.Col([html.Div(shown["reference_label"], className="section-title"), reference], md=4),
        ]),
        html.Dl([item for label, value in facts for item in (html.Dt(label), html.Dd(value))],
                className="row-facts", id="review-facts"),
        dbc.Row([
            dbc.Col(dbc.RadioItems(id="review-outcome", inline=True, value="passed",
                                   options=[{"label": "复核通过（记录本年度认证）", "value": "passed"},
                                            {"label": "复核未通过（安排上门认证）", "value": "refused"}]), md=5),
            dbc.Col(dbc.Input(id="review-reason", placeholder="复核意见（必填）", maxLength=200), md=5),
            dbc.Col(dbc.Button("提交复核决定", id="review-decide", color="primary"), md=2),
        ], className="g-2"),
        html.Div(id="review-result"),
    ]))


@callback(Output("review-result", "children"), Output("review-queue", "rowData"),
          Input("review-decide", "n_clicks"), State("review-id", "data"), State("review-outcome", "value"),
          State("review-reason", "value"), prevent_initial_call=True)
def decide(_clicks, review_id, outcome, reason):
    result, error = call(reviews.decide, review_id, passed=outcome == "passed", reason=reason or "")
    rows, _ = _rows()
    if error:
        return error, rows
    if result["outcome"] == "confirming":
        message = "已提议复核通过：待另一名工作人员在“待确认”中确认后记录本年度认证"
    elif result["outcome"] == "passed":
        message = ("复核通过：此人本年度已通过其他方式认证" if result.get("already_certified")
                   else "复核通过：本年度认证已记录（复核人记录在案）")
    else:
        message = f"复核未通过：已安排上门认证（任务 {result['case_id']}）"
    return alert(message, "success", id="review-done"), rows
