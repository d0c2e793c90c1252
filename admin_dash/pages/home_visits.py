"""上门认证: the queue (unit reports and app requests), assignment, scheduling, the outcome."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update

from admin_dash.components.grid import grid
from admin_dash.components.reports import import_report
from admin_dash.components.session import alert, call, current_staff
from admin_dash.components.shell import not_signed_in, page_title
from admin_dash.components.uploads import upload_bytes, upload_text
from pensioncert.admin import home_visits, manual_evidence, staff

dash.register_page(__name__, path="/home-visits", name="上门认证", order=2, title="上门认证 · 经办管理")

QUEUE_COLUMNS = [("created", "登记时间"), ("name", "姓名"), ("id_masked", "身份证号码"), ("region", "地区"),
                 ("source", "来源"), ("reason", "原因"), ("address", "地址"), ("phone", "联系电话"),
                 ("status_label", "状态"), ("assigned_to", "负责人"), ("scheduled_for", "预约日期"),
                 ("last_outcome", "备注")]


def layout(**_):
    if current_staff() is None:
        return not_signed_in()
    rows, error = call(home_visits.queue)
    return html.Div([
        page_title("上门认证", "卧床、行动不便等无法自助认证的人员，由单位报送或本人在手机APP申请后，"
                           "安排工作人员上门认证。点击队列中的一行办理。"),
        error,
        html.Div("待办队列", className="section-title"),
        grid("hv-queue", QUEUE_COLUMNS, rows or [], height=300, row_id="case_id"),
        dcc.Store(id="hv-case"),
        html.Div(id="hv-panel", className="mt-3"),
        html.Hr(),
        dbc.Row([
            dbc.Col([
                html.Div("登记单位报送的上门认证", className="section-title"),
                dbc.Input(id="hv-id", placeholder="身份证号码", maxLength=20, className="mb-2"),
                dbc.Input(id="hv-reason", placeholder="原因（如：长期卧床）", maxLength=200, className="mb-2"),
                dbc.Input(id="hv-address", placeholder="上门地址", maxLength=200, className="mb-2"),
                dbc.Input(id="hv-phone", placeholder="联系电话（手机号码）", maxLength=20, className="mb-2"),
                dbc.Button("登记", id="hv-create", color="primary"),
                html.Div(id="hv-create-result"),
            ], md=6),
            dbc.Col([
                html.Div("上传单位报送名单", className="section-title"),
                html.P("CSV 文件（UTF-8），表头：id_number,reason,address,contact_phone", className="text-muted small"),
                dcc.Upload(id="hv-upload", children=html.Div("点击或拖入 CSV 文件"), className="upload-box",
                           accept=".csv,text/csv", max_size=5 * 1024 * 1024),
                html.Div(id="hv-upload-result"),
            ], md=6),
        ]),
    ])


@callback(Output("hv-case", "data"), Input("hv-queue", "cellClicked"), prevent_initial_call=True)
def choose(cell):
    return (cell or {}).get("rowId") or no_update


@callback(Output("hv-panel", "children"), Input("hv-case", "data"), State("hv-queue", "rowData"),
          prevent_initial_call=True)
def panel(case_id, rows):
    case = next((row for row in rows or [] if row["case_id"] == case_id), None)
    if case is None:
        return None
    people, error = call(staff.assignable, case["region"])
    if error:
        return error
    return dbc.Card(dbc.CardBody([
        html.H5(f"办理：{case['name']}（{case['status_label']}）", id="hv-title"),
        html.P(f"地址：{case['address']}；原因：{case['reason']}", className="text-muted"),
        dbc.Row([
            dbc.Col(dcc.Dropdown(id="hv-assignee", placeholder="选择上门人员",
                                 options=[{"label": f"{p['display_name']}（{p['username']}）",
                                           "value": p["username"]} for p in people],
                                 value=case["assigned_to"] or None), md=4),
            dbc.Col(dbc.Button("分配", id="hv-assign", color="secondary"), md=2),
            dbc.Col(dbc.Input(id="hv-date", placeholder="预约日期，如 2026-03-05", maxLength=10,
                              value=case["scheduled_for"] or None), md=3),
            dbc.Col(dbc.Button("预约", id="hv-schedule", color="secondary"), md=2),
        ], className="g-2 mb-3"),
        html.Div("上门结果", className="section-title"),
        html.P("登记“认证通过”须上传上门时现场拍摄的本人正面照片（与可信比对照片比对，相似度记录在案；"
               "低于比对阈值的转省级人工复核），并填写上门日期、地址和上门人员。", className="text-muted small"),
        dbc.Row([
            dbc.Col(dcc.Upload(id="hv-photo", children=html.Div("点击或拖入现场照片（JPEG/PNG）", id="hv-photo-label"),
                               className="upload-box", accept="image/jpeg,image/png",
                               max_size=5 * 1024 * 1024), md=4),
            dbc.Col(dbc.Input(id="hv-visited-on", placeholder="上门日期，如 2026-03-05", maxLength=10,
                              value=case["scheduled_for"] or None), md=2),
            dbc.Col(dbc.Input(id="hv-visit-address", placeholder="上门地址", maxLength=200,
                              value=case["address"] or None), md=3),
            dbc.Col(dcc.Dropdown(id="hv-visitor", placeholder="上门人员",
                                 options=[{"label": f"{p['display_name']}（{p['username']}）",
                                           "value": p["username"]} for p in people],
                                 value=case["assigned_to"] or None), md=3),
        ], className="g-2 mb-2"),
        dbc.Row([
            dbc.Col(dbc.RadioItems(id="hv-outcome", inline=True, value="passed",
                                   options=[{"label": "认证通过", "value": "passed"},
                                            {"label": "未通过", "value": "failed"}]), md=3),
            dbc.Col(dbc.Input(id="hv-failure", placeholder="未通过的原因（如：本人不在家）", maxLength=200), md=5),
            dbc.Col(dbc.Button("登记上门结果", id="hv-record", color="primary"), md=3),
        ], className="g-2"),
        html.Div(id="hv-action-result"),
    ]))


@callback(Output("hv-photo-label", "children"), Input("hv-photo", "filename"), prevent_initial_call=True)
def photo_chosen(filename):
    return f"已选择：{filename}" if filename else "点击或拖入现场照片（JPEG/PNG）"


@callback(Output("hv-action-result", "children"), Output("hv-queue", "rowData"),
          Input("hv-assign", "n_clicks"), Input("hv-schedule", "n_clicks"), Input("hv-record", "n_clicks"),
          State("hv-case", "data"), State("hv-assignee", "value"), State("hv-date", "value"),
          State("hv-outcome", "value"), State("hv-failure", "value"), State("hv-photo", "contents"),
          State("hv-visited-on", "value"), State("hv-visit-address", "value"), State("hv-visitor", "value"),
          prevent_initial_call=True)
def act(_assign, _schedule, _record, case_id, assignee, day, outcome, failure, photo, visited_on, address,
        visitor):
    trigger, result = dash.ctx.triggered_id, None
    if trigger == "hv-assign":
        _, error = call(home_visits.assign, case_id, assignee or "")
        done = "已分配上门人员"
    elif trigger == "hv-schedule":
        _, error = call(home_visits.schedule, case_id, day or "")
        done = f"已预约 {day} 上门"
    else:
        visit = manual_evidence.VisitFacts(upload_bytes(photo), visited_on or "", address or "", visitor or "")
        result, error = call(home_visits.record_outcome, case_id, passed=outcome == "passed",
                             failure_reason=failure or "", visit=visit)
        score = (result or {}).get("similarity")
        score = f"（现场照片相似度 {score:.2f}）" if score is not None else ""
        done = {"confirming": f"已登记：现场照片与比对照片一致{score}，待未参与上门的工作人员在“待确认”中确认后记录认证",
                "passed": f"已登记：上门认证通过{score}，本年度认证已记录，任务办结",
                "review": f"现场照片与可信比对照片不一致{score}，已转省级人工复核（{(result or {}).get('review_id')}），"
                          "复核通过后记录认证",
                "failed": "已登记：本次上门未通过，任务保留在队列中",
                "already_certified": "此人本年度已通过其他方式认证，任务办结"}.get((result or {}).get("outcome") or "", "")
    rows, _ = call(home_visits.queue)
    color = "warning" if trigger == "hv-record" and (result or {}).get("outcome") == "review" else "success"
    return error or alert(done, color, id="hv-done"), rows or []


@callback(Output("hv-create-result", "children"), Output("hv-queue", "rowData", allow_duplicate=True),
          Input("hv-create", "n_clicks"), State("hv-id", "value"), State("hv-reason", "value"),
          State("hv-address", "value"), State("hv-phone", "value"), prevent_initial_call=True)
def create(_clicks, id_number, reason, address, phone):
    _case_id, error = call(home_visits.create_from_unit_report, id_number=id_number or "", reason=reason or "",
                          address=address or "", contact_phone=phone or "")
    rows, _ = call(home_visits.queue)
    return error or alert("已登记，已加入待办队列", "success"), rows or no_update


@callback(Output("hv-upload-result", "children"), Output("hv-queue", "rowData", allow_duplicate=True),
          Input("hv-upload", "contents"), prevent_initial_call=True)
def upload(contents):
    text, problem = upload_text(contents)
    if problem:
        return alert(problem), no_update
    report, error = call(home_visits.import_unit_reports, text)
    rows, _ = call(home_visits.queue)
    return error or import_report(report), rows or no_update
