"""操作日志: every staff action, filterable by date, staff member and action; read only, one page
of the newest events at a time with "more" for the next (``audit.search_page``: no silent cap)."""
from __future__ import annotations

from datetime import timedelta

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html

from admin_dash.components.grid import grid
from admin_dash.components.session import call, current_staff, services
from admin_dash.components.shell import not_signed_in, page_title
from pensioncert.admin import audit, labels
from pensioncert.clock import BEIJING

dash.register_page(__name__, path="/audit", name="操作日志", order=5, title="操作日志 · 经办管理")

COLUMNS = [("time", "时间"), ("actor_name", "操作人"), ("actor", "用户名"), ("action_label", "操作"),
           ("target", "对象"), ("region", "地区"), ("before", "操作前"), ("after", "操作后"), ("reason", "原因")]


def layout(**_):
    if current_staff() is None:
        return not_signed_in()
    today = services().clock.now().astimezone(BEIJING).date()
    start = (today - timedelta(days=6)).isoformat()
    page, error = call(audit.search_page, day_from=start, day_to=today.isoformat())
    page = page or {"rows": [], "next": None}
    return html.Div([
        page_title("操作日志", "记录所有工作人员的每一次操作，只能查询，不能修改或删除。"),
        dbc.Row([
            dbc.Col(dbc.Input(id="audit-from", value=start, placeholder="开始日期 年-月-日"), md=2),
            dbc.Col(dbc.Input(id="audit-to", value=today.isoformat(), placeholder="结束日期 年-月-日"), md=2),
            dbc.Col(dbc.Input(id="audit-actor", placeholder="操作人用户名"), md=2),
            dbc.Col(dcc.Dropdown(id="audit-action", placeholder="全部操作",
                                 options=[{"label": v, "value": k} for k, v in labels.ACTIONS.items()]), md=3),
            dbc.Col(dbc.Button("查询", id="audit-search", color="primary"), md=1),
        ], className="g-2 mb-2"),
        html.Div(error, id="audit-message"),
        grid("audit-grid", COLUMNS, page["rows"], height=520),
        dbc.Button("显示更多", id="audit-more", color="link", className="" if page["next"] else "d-none"),
        dcc.Store(id="audit-cursor", data={"filters": {"day_from": start, "day_to": today.isoformat()},
                                           "next": page["next"]}),
    ])


@callback(Output("audit-grid", "rowData"), Output("audit-message", "children"),
          Output("audit-cursor", "data"), Output("audit-more", "className"),
          Input("audit-search", "n_clicks"), Input("audit-more", "n_clicks"),
          State("audit-from", "value"), State("audit-to", "value"), State("audit-actor", "value"),
          State("audit-action", "value"), State("audit-cursor", "data"), State("audit-grid", "rowData"),
          prevent_initial_call=True)
def search(_clicks, _more, day_from, day_to, actor, action, cursor, shown):
    more = dash.ctx.triggered_id == "audit-more" and cursor and cursor.get("next")
    filters = cursor["filters"] if more else {"day_from": day_from or "", "day_to": day_to or "",
                                              "actor": actor or None, "action": action or None}
    page, error = call(audit.search_page, cursor=cursor["next"] if more else None, **filters)
    if error:
        return [], error, None, "d-none"
    rows = (shown or []) + page["rows"] if more else page["rows"]
    return rows, None, {"filters": filters, "next": page["next"]}, "" if page["next"] else "d-none"
