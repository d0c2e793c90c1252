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

dash.register_page(__name__, path="/audit", name=labels.AUDIT_PAGE, order=5,
                   title=labels.PAGE_TITLE.format(page=labels.AUDIT_PAGE))

COLUMNS = labels.AUDIT_COLUMNS


def layout(**_):
    if current_staff() is None:
        return not_signed_in()
    today = services().clock.now().astimezone(BEIJING).date()
    start = (today - timedelta(days=6)).isoformat()
    page, error = call(audit.search_page, day_from=start, day_to=today.isoformat())
    page = page or {"rows": [], "next": None}
    return html.Div([
        page_title(labels.AUDIT_PAGE, labels.AUDIT_PAGE_HINT),
        dbc.Row([
            dbc.Col(dbc.Input(id="audit-from", value=start, placeholder=labels.AUDIT_FROM), md=2),
            dbc.Col(dbc.Input(id="audit-to", value=today.isoformat(), placeholder=labels.AUDIT_TO), md=2),
            dbc.Col(dbc.Input(id="audit-actor", placeholder=labels.AUDIT_ACTOR), md=2),
            dbc.Col(dcc.Dropdown(id="audit-action", placeholder=labels.AUDIT_ALL_ACTIONS,
                                 options=[{"label": v, "value": k} for k, v in labels.ACTIONS.items()]), md=3),
            dbc.Col(dbc.Button(labels.SEARCH, id="audit-search", color="primary"), md=1),
        ], className="g-2 mb-2"),
        html.Div(error, id="audit-message"),
        grid("audit-grid", COLUMNS, page["rows"], height=520),
        dbc.Button(labels.SHOW_MORE, id="audit-more", color="link", className="" if page["next"] else "d-none"),
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
