"""待确认: the second person's list (rules/four_eyes.py). A home-visit or overseas certification, a
new staff reference photo, an unsigned event feed and a feed's death record each wait here until a
staff member other than the one who asked (and, for a visit, the visitor) approves or refuses it."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update

from admin_dash.components.grid import grid
from admin_dash.components.session import alert, call, current_staff
from admin_dash.components.shell import not_signed_in, page_title
from pensioncert.admin import confirmations

dash.register_page(__name__, path="/confirmations", name="待确认", order=2.4, title="待确认 · 经办管理")

COLUMNS = [("created", "提交时间"), ("kind_label", "事项"), ("name", "姓名 / 文件"), ("id_masked", "身份证号码"),
           ("region", "地区"), ("requested_by", "提交人"), ("visited_by", "上门人员"), ("summary", "内容"),
           ("may_label", "我能否确认")]


def _rows():
    rows, error = call(confirmations.queue)
    for row in rows or []:
        row["may_label"] = "可以确认" if row["may_decide"] else row["why_not"]
    return rows or [], error


def layout(**_):
    if current_staff() is None:
        return not_signed_in()
    rows, error = _rows()
    return html.Div([
        page_title("待确认", "一人办理、另一人确认：上门和境外认证须由未参与上门的工作人员确认；更换比对照片须由省级管理员"
                          "批准（并短信告知本人）；未签名的比对数据文件须由另一名工作人员批准后才导入；比对数据中的死亡"
                          "记录经确认后才停发待遇。提交人不能确认自己提交的事项。点击一行后批准或不批准。"),
        error,
        grid("confirm-queue", COLUMNS, rows, height=320, row_id="confirmation_id"),
        dcc.Store(id="confirm-id"),
        html.Div(id="confirm-chosen", className="mt-2"),
        dbc.Row([
            dbc.Col(dbc.Input(id="confirm-reason", placeholder="意见（不批准时必填）", maxLength=200), md=6),
            dbc.Col(dbc.Button("批准", id="confirm-approve", color="primary", className="me-2"), md="auto"),
            dbc.Col(dbc.Button("不批准", id="confirm-refuse", color="secondary"), md="auto"),
        ], className="g-2 mt-1"),
        html.Div(id="confirm-result"),
    ])


@callback(Output("confirm-id", "data"), Output("confirm-chosen", "children"),
          Input("confirm-queue", "cellClicked"), prevent_initial_call=True)
def choose(cell):
    chosen = (cell or {}).get("rowId")
    if not isinstance(chosen, str):
        return no_update, no_update
    return chosen, html.P(f"已选择：{chosen}", className="text-muted small", id="confirm-chosen-id")


@callback(Output("confirm-result", "children"), Output("confirm-queue", "rowData"),
          Input("confirm-approve", "n_clicks"), Input("confirm-refuse", "n_clicks"),
          State("confirm-id", "data"), State("confirm-reason", "value"), prevent_initial_call=True)
def decide(_approve, _refuse, confirmation_id, reason):
    if not isinstance(confirmation_id, str):
        rows, _ = _rows()
        return alert("请先在列表中点击要处理的一行"), rows
    approving = dash.ctx.triggered_id == "confirm-approve"
    service = confirmations.approve if approving else confirmations.refuse
    result, error = call(service, confirmation_id, reason=reason if isinstance(reason, str) else "")
    rows, _ = _rows()
    if error:
        return error, rows
    if not approving:
        return alert("已不批准（记录在案）", "success", id="confirm-done"), rows
    if "report" in result:
        report = result["report"]
        message = f"已批准：比对数据已导入（{report.rows} 行，新记录 {report.written} 条，错误 {report.error_count} 行）"
    elif result.get("outcome") == "deceased":
        message = "已确认死亡记录：待遇已停发，多发月份已列入追回名单"
    elif result.get("has_staff_photo"):
        message = "已批准：比对照片已更换" + ("，已短信告知本人" if result.get("notified") else "（此人未绑定手机，请另行告知）")
    elif result.get("outcome") == "already_certified":
        message = "已批准：此人本年度已通过其他方式认证"
    else:
        message = "已批准：本年度认证已记录（提交人和确认人均记录在案）"
    return alert(message, "success", id="confirm-done"), rows
