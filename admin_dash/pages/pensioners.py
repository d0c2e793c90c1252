"""待遇人员: search, a person's record and history, corrections, the reference photo, moving a
person to another region (provincial), registry import by upload (CSV or a zip with photos)."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update

from admin_dash.components.grid import grid
from admin_dash.components.reports import import_report
from admin_dash.components.session import alert, call, current_staff
from admin_dash.components.shell import not_signed_in, page_title
from admin_dash.components.uploads import upload_bytes
from pensioncert.admin import labels, pensioners

dash.register_page(__name__, path="/pensioners", name="待遇人员", order=1, title="待遇人员 · 经办管理")

# Below the server's request limit (app.py MAX_CONTENT_LENGTH, 12 MiB) after base64 (4/3).
UPLOAD_LIMIT = 8 * 1024 * 1024
RESULT_COLUMNS = [("name", "姓名"), ("id_masked", "身份证号码"), ("region", "地区"), ("unit", "单位"),
                  ("status", "待遇状态"), ("certified", "本年认证")]


def layout(**_):
    if current_staff() is None:
        return not_signed_in()
    return html.Div([
        page_title("待遇人员", "按姓名或18位身份证号码查询；点击查询结果中的一行查看详细信息。"),
        dbc.InputGroup([
            dbc.Input(id="person-query", placeholder="姓名或身份证号码", maxLength=30),
            dbc.Button("查询", id="person-search", color="primary"),
        ], className="mb-2", style={"maxWidth": "520px"}),
        html.Div(id="person-search-message"),
        grid("person-results", RESULT_COLUMNS, height=240, row_id="key"),
        dbc.Button("显示更多", id="person-more", color="link", className="d-none"),
        dcc.Store(id="person-cursor"),
        dcc.Store(id="person-key"),
        html.Div(id="person-detail", className="mt-3"),
        html.Hr(),
        html.Div("导入人员名册", className="section-title"),
        html.P("上传业务系统导出的 CSV 文件（UTF-8，表头：id_number,name,region,unit,status,card_status,"
               "card_password,photo），或把 CSV 和照片打包成 zip 上传（照片列填写照片在压缩包中相对 CSV 的路径）。"
               "照片列留空的行保留原有照片；只能导入和修改您负责地区的人员，不能变更人员所属地区；"
               "已激活社保卡的密码不会被导入更改。与 make import 使用同一导入程序，已导入且未变化的行会跳过。",
               className="text-muted small"),
        dcc.Upload(id="registry-upload", children=html.Div("点击或拖入 CSV 或 zip 文件"),
                   className="upload-box", accept=".csv,text/csv,.zip,application/zip",
                   max_size=UPLOAD_LIMIT),
        html.Div(id="registry-import-result"),
    ])


@callback(Output("person-results", "rowData"), Output("person-search-message", "children"),
          Output("person-cursor", "data"), Output("person-more", "className"),
          Input("person-search", "n_clicks"), Input("person-query", "n_submit"), Input("person-more", "n_clicks"),
          State("person-query", "value"), State("person-cursor", "data"), State("person-results", "rowData"),
          prevent_initial_call=True)
def search(_clicks, _submit, _more, query, cursor, shown):
    more = dash.ctx.triggered_id == "person-more" and cursor
    page, error = call(pensioners.search, (cursor or {}).get("query", "") if more else query or "",
                       cursor["next"] if more else None)
    if error:
        return [], error, None, "d-none"
    rows = (shown or []) + page["rows"] if more else page["rows"]
    following = {"query": (cursor or {}).get("query") if more else query, "next": page["next"]}
    message = alert("没有找到符合条件的人员（仅显示您负责地区的人员）", "secondary") if not rows else None
    return rows, message, following, "" if page["next"] else "d-none"


@callback(Output("person-key", "data"), Input("person-results", "cellClicked"), prevent_initial_call=True)
def choose(cell):
    return (cell or {}).get("rowId") or no_update


@callback(Output("person-detail", "children"), Input("person-key", "data"), prevent_initial_call=True)
def show(key):
    person, error = call(pensioners.detail, key)
    return error or _detail(person)


@callback(Output("person-detail", "children", allow_duplicate=True),
          Input("correction-submit", "n_clicks"),
          State("detail-key", "data"), State("correction-name", "value"),
          State("correction-id-number", "value"),
          State("correction-status", "value"), State("correction-reason", "value"),
          prevent_initial_call=True)
def correct(_clicks, key, name, id_number, status, reason):
    result, message = call(pensioners.correct, key, name=name, status=status, reason=reason or "",
                           id_number=(id_number or "").strip() or None)
    if result:
        after, parts = result["after"], []
        if "name" in after:
            parts.append(f"姓名“{after['name']}”，待遇状态“{labels.PERSON_STATUS[after['status']]}”")
        if "id_number" in after:
            parts.append(f"身份证号码“{after['id_number']}”")
        message = alert(f"已提交更正：{'，'.join(parts)}，自 {result['effective']} 起生效。",
                        "success", id="correction-done")
        key = result.get("key") or key  # an ID-number correction moves the record to the new number
    person, error = call(pensioners.detail, key)
    return error or _detail(person, message)


@callback(Output("registry-import-result", "children"), Input("registry-upload", "contents"),
          State("registry-upload", "filename"), prevent_initial_call=True)
def upload(contents, filename):
    data = upload_bytes(contents)
    if data is None:
        return alert(labels.CSV_OR_ZIP_UNREADABLE)
    report, error = call(pensioners.import_upload, data, filename or "")
    return error or import_report(report)


@callback(Output("staff-photo-result", "children"), Input("staff-photo-upload", "contents"),
          State("detail-key", "data"), State("staff-photo-reason", "value"), prevent_initial_call=True)
def staff_photo(contents, key, reason):
    image = upload_bytes(contents)
    if not image:
        return alert("照片无法读取：请上传 JPEG 或 PNG 照片")
    _result, error = call(pensioners.set_staff_photo, key, image=image, reason=reason or "")
    return error or alert("现场照片已保存，待省级管理员在“待确认”中批准后成为比对照片（批准后短信告知本人）。",
                          "success", id="staff-photo-done")


def _detail(person: dict, message=None):
    pending = person["pending_correction"]
    facts = [("姓名", person["name"]), ("身份证号码", person["id_number"]), ("地区", person["region"]),
             ("单位", person["unit"]), ("待遇状态", person["status_label"]),
             ("比对照片", "已建立" if person["has_photo"] else "无"),
             ("现场照片", "已采集" if person.get("has_staff_photo") else "无")]
    return dbc.Card(dbc.CardBody([
        html.H5(f"{person['name']} 的信息", id="person-title"),
        dbc.Row([dbc.Col([html.Div(label, className="text-muted small"), html.Div(value, id=f"fact-{i}")], md=2)
                 for i, (label, value) in enumerate(facts)], className="mb-2"),
        dbc.Alert(f"待生效的更正：姓名“{pending['name']}”，待遇状态“{pending['status_label']}”，"
                  f"自 {pending['effective']} 起生效", color="info", id="pending-correction")
        if pending else None,
        dbc.Alert(f"身份证号码更正为本号码，自 {person['id_valid_from']} 起生效（此前仍按原号码认证）",
                  color="info", id="pending-id-number") if person.get("id_valid_from") else None,
        dbc.Alert(f"此身份证号码已更正为其他号码，自 {person['id_valid_until']} 起停用", color="secondary",
                  id="ended-id-number") if person.get("id_valid_until") else None,
        dcc.Store(id="detail-key", data=person["key"]),
        dbc.Row([
            dbc.Col([html.Div("认证记录", className="section-title"),
                     grid("person-history", [("year", "年度"), ("method", "认证方式"),
                                             ("certified_at", "认证时间"), ("operator", "经办")],
                          person["history"], height=200)], md=6),
            dbc.Col([html.Div("自助认证未通过记录", className="section-title"),
                     grid("person-attempts", [("year", "年度"), ("failed", "未通过次数"),
                                              ("last_reason", "最近原因"), ("last_failed_at", "最近时间")],
                          person["attempts"], height=200)], md=6),
        ]),
        html.Div("更正信息（次日生效）", className="section-title"),
        dbc.Row([
            dbc.Col(dbc.Input(id="correction-name", placeholder="正确的姓名（不改可留空）", maxLength=30), md=2),
            dbc.Col(dbc.Input(id="correction-id-number", placeholder="正确的身份证号码（不改可留空）",
                              maxLength=30), md=3),
            dbc.Col(dcc.Dropdown(id="correction-status", placeholder="待遇状态（不改可留空）",
                                 options=[{"label": v, "value": k} for k, v in labels.PERSON_STATUS.items()]),
                    md=2),
            dbc.Col(dbc.Input(id="correction-reason", placeholder="更正原因（必填）", maxLength=200), md=3),
            dbc.Col(dbc.Button("提交更正", id="correction-submit", color="warning"), md=2),
        ], className="g-2"),
        html.P("身份证号码更正后，次日起此人须用正确的号码认证和社保卡登录，原号码停用；历年认证记录、"
               "亲友关系和证明过原号码的APP账户随之转移。"
               "此后导入业务系统文件时，原号码的行将被拒绝。", className="text-muted small mt-2"),
        html.Div(message, id="correction-result"),
        html.Div("现场采集比对照片", className="section-title mt-3"),
        html.P("仅限工作人员当面拍摄的本人正面照片（窗口、上门认证、境外认证）。上传后作为此人自助认证的比对照片，"
               "优先于名册照片；须填写采集原因，操作记入审计日志。", className="text-muted small"),
        dbc.Row([
            dbc.Col(dbc.Input(id="staff-photo-reason", placeholder="采集原因（必填，如：上门认证现场拍摄）",
                              maxLength=200), md=5),
            dbc.Col(dcc.Upload(id="staff-photo-upload", children=html.Div("点击或拖入照片（JPEG/PNG）"),
                               className="upload-box", accept="image/jpeg,image/png", max_size=6 * 1024 * 1024),
                    md=5),
        ], className="g-2"),
        html.Div(id="staff-photo-result"),
        _photo_and_region(person),
    ]))


def _photo_and_region(person: dict):
    """Removing the reference photo (the only way one is removed) and, for a provincial
    administrator, moving the person to another region: each with a reason, audited."""
    staff = current_staff()
    move = [
        dbc.Col(dbc.Input(id="move-region", placeholder="新的地区（地市）", maxLength=100), md=2),
        dbc.Col(dbc.Input(id="move-unit", placeholder="新的单位", maxLength=100), md=3),
        dbc.Col(dbc.Button("转移地区", id="move-submit", color="warning"), md=2),
    ] if staff is not None and staff.is_province_admin else []
    return html.Div([
        html.Div("删除比对照片" + ("、转移所属地区" if move else ""), className="section-title mt-3"),
        html.P("导入时照片列留空不会删除照片；照片有误时在此删除。人员跨地区转移只能由省级管理员在此办理。"
               "均须填写原因，记入操作日志。", className="text-muted small"),
        dbc.Row([
            dbc.Col(dbc.Input(id="person-action-reason", placeholder="原因（必填）", maxLength=200), md=3),
            dbc.Col(dbc.Button("删除比对照片", id="photo-remove", color="danger", outline=True,
                               disabled=not person["has_photo"]), md=2),
            *move,
        ], className="g-2"),
        html.Div(id="person-action-result"),
    ])


@callback(Output("person-action-result", "children"), Input("photo-remove", "n_clicks"),
          State("detail-key", "data"), State("person-action-reason", "value"), prevent_initial_call=True)
def remove_photo(_clicks, key, reason):
    _, error = call(pensioners.remove_reference_photo, key, reason=reason or "")
    return error or alert("比对照片已删除；此人需重新采集照片后才能自助认证。", "success", id="photo-removed")


@callback(Output("person-action-result", "children", allow_duplicate=True), Input("move-submit", "n_clicks"),
          State("detail-key", "data"), State("move-region", "value"), State("move-unit", "value"),
          State("person-action-reason", "value"), prevent_initial_call=True)
def move(_clicks, key, region, unit, reason):
    result, error = call(pensioners.move_region, key, region=region or "", unit=unit or "", reason=reason or "")
    return error or alert(f"已转移至 {result['region']} {result['unit']}。", "success", id="region-moved")
