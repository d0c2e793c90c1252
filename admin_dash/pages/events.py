"""数据比对: import life-event feeds; the suspension, reinstatement, overpayment and review lists."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update

from admin_dash.components.grid import grid
from admin_dash.components.reports import import_report
from admin_dash.components.session import alert, call, current_staff
from admin_dash.components.shell import not_signed_in, page_title
from admin_dash.components.uploads import upload_bytes
from pensioncert.admin import events

dash.register_page(__name__, path="/events", name="数据比对", order=3.5, title="数据比对 · 经办管理")

COLUMNS = [("name", "姓名"), ("id", "身份证号码"), ("region", "地区"), ("unit", "单位"), ("year", "年度"),
           ("since", "起始日期"), ("until", "截止日期"), ("reason", "原因"), ("months", "月份"), ("note", "备注")]


def layout(**_):
    if current_staff() is None:
        return not_signed_in()
    rows, error = call(events.rows, "suspended")
    return html.Div([
        page_title("数据比对", "导入医保、公交、银行、民政、公安等部门的比对数据：本年度本人到场的记录视同认证"
                           "（数据比对认证），死亡记录终止待遇并列出多发月份，服刑暂停发放，出境转境外人员认证。"),
        error,
        dbc.Row([
            dbc.Col([
                html.Div("导入比对数据", className="section-title"),
                html.P("CSV 文件（UTF-8），表头：id_number,name,event_type,event_date,source,source_ref。"
                       "事件类型：medical_settlement 医保结算、transit_ride 公交出行、bank_counter 银行柜面、"
                       "civil_affairs_visit 民政/公安业务、death_record 死亡登记、imprisonment 服刑、"
                       "exit_abroad 出境、return_home 入境。同一来源编号重复导入不会重复记录。",
                       className="text-muted small"),
                html.P("来源系统签名的文件（填写来源和签名）导入即生效；未签名的文件须由另一名工作人员在“待确认”中批准后"
                       "才导入。死亡记录均须经工作人员确认后才停发待遇。", className="text-muted small"),
                dbc.Row([
                    dbc.Col(dbc.Input(id="ev-source", placeholder="来源系统（已登记，可不填）", maxLength=50), md=5),
                    dbc.Col(dbc.Input(id="ev-signature", placeholder="文件签名 HMAC-SHA256（可不填）", maxLength=128), md=7),
                ], className="g-2 mb-2"),
                dcc.Upload(id="ev-upload", children=html.Div("点击或拖入 CSV 文件"), className="upload-box",
                           accept=".csv,text/csv", max_size=50 * 1024 * 1024),
                html.Div(id="ev-upload-result"),
            ], md=7),
            dbc.Col([
                html.Div("名单", className="section-title"),
                dcc.Dropdown(id="ev-list", value="suspended", clearable=False,
                             options=[{"label": label, "value": name} for name, label in events.LISTS.items()]),
                html.Div([
                    dbc.Button("导出 CSV", id="ev-export-csv", color="secondary", className="me-2 mt-2"),
                    dbc.Button("导出 Excel（按地区分表）", id="ev-export-xlsx", color="success", className="mt-2"),
                ]),
                dcc.Download(id="ev-download"),
                html.Div(id="ev-export-result"),
            ], md=5),
        ]),
        html.Div("名单内容", className="section-title"),
        grid("ev-rows", COLUMNS, rows or [], height=360, row_id="key"),
    ])


@callback(Output("ev-upload-result", "children"), Input("ev-upload", "contents"),
          State("ev-upload", "filename"), State("ev-source", "value"), State("ev-signature", "value"),
          prevent_initial_call=True)
def upload(contents, filename, source, signature):
    data = upload_bytes(contents)
    if data is None:
        return alert("文件无法读取")
    report, error = call(events.import_upload, data, filename if isinstance(filename, str) else "",
                         source=source if isinstance(source, str) else "",
                         signature=signature if isinstance(signature, str) else "")
    if error:
        return error
    if isinstance(report, events.FeedAwaitingApproval):
        return alert(f"文件未签名：已保存（SHA-256 {report.sha256[:16]}…），待另一名工作人员在“待确认”中批准后导入，"
                     "此前不产生任何认证或停发", "warning", id="ev-pending")
    outcomes = report.outcomes
    summary = (f"数据比对认证 {outcomes.get('certified', 0)} 人，死亡记录待确认 "
               f"{outcomes.get('death_pending_confirmation', 0)} 人，"
               f"服刑暂停 {outcomes.get('suspended', 0)} 人，出境待核 {outcomes.get('flagged', 0)} 人。")
    return html.Div([import_report(report), alert(summary, "info", id="ev-outcomes")])


@callback(Output("ev-rows", "rowData"), Input("ev-list", "value"), Input("ev-upload-result", "children"),
          prevent_initial_call=True)
def show(name, _uploaded):
    rows, _ = call(events.rows, name or "suspended")
    return rows or []


@callback(Output("ev-download", "data"), Output("ev-export-result", "children"),
          Input("ev-export-csv", "n_clicks"), Input("ev-export-xlsx", "n_clicks"), State("ev-list", "value"),
          prevent_initial_call=True)
def export(_csv, _xlsx, name):
    fmt = "csv" if dash.ctx.triggered_id == "ev-export-csv" else "xlsx"
    result, error = call(events.export, name or "suspended", fmt)
    if error:
        return no_update, error
    filename, content = result
    return dcc.send_bytes(content, filename), alert(f"已导出 {filename}", "success", id="ev-exported")
