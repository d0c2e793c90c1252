"""操作日志: every staff action, filterable by date, staff member and action; read only."""
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
    rows, error = call(audit.search, day_from=start, day_to=today.isoformat())
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
        grid("audit-grid", COLUMNS, rows or [], height=520),
    ])


@callback(Output("audit-grid", "rowData"), Output("audit-message", "children"),
          Input("audit-search", "n_clicks"), State("audit-from", "value"), State("audit-to", "value"),
          State("audit-actor", "value"), State("audit-action", "value"), prevent_initial_call=True)
def search(_clicks, day_from, day_to, actor, action):
    rows, error = call(audit.search, day_from=day_from or "", day_to=day_to or "", actor=actor or None,
                       action=action or None)
    return rows or [], error
