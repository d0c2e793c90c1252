"""境外人员: the ministry's list, photo modelling, certification, the summary report."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update

from admin_dash.components.grid import grid
from admin_dash.components.reports import import_report
from admin_dash.components.session import alert, call, current_staff
from admin_dash.components.shell import not_signed_in, page_title
from admin_dash.components.uploads import upload_bytes, upload_text
from pensioncert.admin import manual_evidence, overseas, staff

dash.register_page(__name__, path="/overseas", name="境外人员", order=3, title="境外人员 · 经办管理")

COLUMNS = [("name", "姓名"), ("id_masked", "身份证号码"), ("country", "居住国家/地区"), ("agency", "经办机构"),
           ("region", "地区"), ("photo", "照片建模"), ("photo_reason", "建模问题"), ("certified", "本年认证")]


def layout(**_):
    if current_staff() is None:
        return not_signed_in()
    rows, error = call(overseas.residents)
    return html.Div([
        page_title("境外人员", "导入部里下发的境外人员名单，上传本人照片建立比对模板，登记认证，"
                           "并导出报送省社保中心的汇总表。点击名单中的一行办理。"),
        error,
        dbc.Row([
            dbc.Col([
                html.Div("导入名单", className="section-title"),
                html.P("CSV 文件（UTF-8），表头：id_number,name,country,agency,phone（电话可留空）。"
                       "名单中的人员须已在业务系统中。", className="text-muted small"),
                dcc.Upload(id="os-upload", children=html.Div("点击或拖入 CSV 文件"), className="upload-box",
                           accept=".csv,text/csv", max_size=5 * 1024 * 1024),
                html.Div(id="os-upload-result"),
            ], md=7),
            dbc.Col([
                html.Div("导出汇总表", className="section-title"),
                html.P("按经办机构汇总本年度境外人员建模与认证情况。", className="text-muted small"),
                dbc.Button("导出 CSV", id="os-export-csv", color="secondary", className="me-2"),
                dbc.Button("导出 Excel", id="os-export-xlsx", color="success"),
                dcc.Download(id="os-download"),
                html.Div(id="os-export-result"),
            ], md=5),
        ]),
        html.Div("境外人员名单", className="section-title"),
        grid("os-list", COLUMNS, rows or [], height=300, row_id="key"),
        dcc.Store(id="os-key"),
        html.Div(id="os-panel", className="mt-3"),
    ])


@callback(Output("os-upload-result", "children"), Output("os-list", "rowData"),
          Input("os-upload", "contents"), State("os-upload", "filename"), prevent_initial_call=True)
def upload(contents, filename):
    text, problem = upload_text(contents)
    if problem:
        return alert(problem), no_update
    report, error = call(overseas.import_list, text, filename or "")
    rows, _ = call(overseas.residents)
    return error or import_report(report), rows or []


@callback(Output("os-key", "data"), Input("os-list", "cellClicked"), prevent_initial_call=True)
def choose(cell):
    return (cell or {}).get("rowId") or no_update


@callback(Output("os-panel", "children"), Input("os-key", "data"), State("os-list", "rowData"),
          prevent_initial_call=True)
def panel(key, rows):
    person = next((row for row in rows or [] if row["key"] == key), None)
    if person is None:
        return None
    visitors = call(staff.assignable, person["region"])[0] or []
    return dbc.Card(dbc.CardBody([
        html.H5(f"办理：{person['name']}（{person['country']}）", id="os-title"),
        html.P(f"照片建模：{person['photo']}　本年认证：{person['certified']}", className="text-muted"),
        dbc.Row([
            dbc.Col(dcc.Upload(id="os-photo", children=html.Div("上传本人照片（JPEG/PNG，正面免冠）"),
                               className="upload-box", accept="image/jpeg,image/png",
                               max_size=5 * 1024 * 1024), md=6),
        ], className="g-2 mb-2"),
        html.Div("登记本年度认证", className="section-title"),
        html.P("须上传驻外使领馆或视频通话时拍摄的本人照片（与可信比对照片比对，相似度记录在案；低于比对阈值的转省级"
               "人工复核），并填写核验日期、地点和核验人员。", className="text-muted small"),
        dbc.Row([
            dbc.Col(dcc.Upload(id="os-visit-photo", children=html.Div("核验时拍摄的照片（JPEG/PNG）", id="os-visit-label"),
                               className="upload-box", accept="image/jpeg,image/png",
                               max_size=5 * 1024 * 1024), md=3),
            dbc.Col(dbc.RadioItems(id="os-channel", value="video_call",
                                   options=[{"label": label, "value": value}
                                            for value, label in overseas.CHANNELS.items()]), md=2),
            dbc.Col(dbc.Input(id="os-visited-on", placeholder="核验日期，如 2026-03-05", maxLength=10), md=2),
            dbc.Col(dbc.Input(id="os-place", placeholder="核验地点（使领馆或境外住址）", maxLength=200), md=2),
            dbc.Col(dcc.Dropdown(id="os-visitor", placeholder="核验人员", value=_me_if_listed(visitors),
                                 options=[{"label": f"{p['display_name']}（{p['username']}）", "value": p["username"]}
                                          for p in visitors]), md=2),
        ], className="g-2 mb-2"),
        dbc.Button("登记本年度认证", id="os-certify", color="primary"),
        html.Div(id="os-action-result"),
    ]))


def _me_if_listed(visitors: list[dict]) -> str | None:
    me = current_staff()
    return me.username if me and any(p["username"] == me.username for p in visitors) else None


@callback(Output("os-visit-label", "children"), Input("os-visit-photo", "filename"), prevent_initial_call=True)
def visit_photo_chosen(filename):
    return f"已选择：{filename}" if filename else "核验时拍摄的照片（JPEG/PNG）"


@callback(Output("os-action-result", "children"), Output("os-list", "rowData", allow_duplicate=True),
          Input("os-photo", "contents"), Input("os-certify", "n_clicks"), State("os-key", "data"),
          State("os-visit-photo", "contents"), State("os-channel", "value"), State("os-visited-on", "value"),
          State("os-place", "value"), State("os-visitor", "value"), prevent_initial_call=True)
def act(photo, _certify, key, visit_photo, channel, visited_on, place, visitor):
    if dash.ctx.triggered_id == "os-photo":
        image = upload_bytes(photo)
        if image is None:
            return alert("照片无法读取"), no_update
        result, error = call(overseas.model_photo, key, image)
        message = error or alert(result["message"], "success" if result["status"] == "modelled" else "warning",
                                 id="os-photo-result")
    else:
        visit = manual_evidence.VisitFacts(upload_bytes(visit_photo), visited_on or "", place or "", visitor or "")
        result, error = call(overseas.certify, key, visit, channel or "")
        if error or result["outcome"] == "confirming":
            message = error or alert(f"已提交 {result['year']} 年度境外人员认证（核验照片相似度 "
                                     f"{result['similarity']:.2f}），待另一名工作人员在“待确认”中确认后记录",
                                     "success", id="os-certified")
        else:
            score = "" if result["similarity"] is None else f"（相似度 {result['similarity']:.2f}）"
            message = alert(f"核验照片与可信比对照片不一致{score}，已转省级人工复核（{result['review_id']}）",
                            "warning", id="os-review")
    rows, _ = call(overseas.residents)
    return message, rows or no_update


@callback(Output("os-download", "data"), Output("os-export-result", "children"),
          Input("os-export-csv", "n_clicks"), Input("os-export-xlsx", "n_clicks"), prevent_initial_call=True)
def export(_csv, _xlsx):
    fmt = "csv" if dash.ctx.triggered_id == "os-export-csv" else "xlsx"
    result, error = call(overseas.export, fmt)
    if error:
        return no_update, error
    filename, content = result
    return dcc.send_bytes(content, filename), alert(f"已导出 {filename}", "success", id="os-exported")
