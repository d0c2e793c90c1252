"""工作人员: every staff member changes their own password; provincial administrators create
accounts, disable or enable them, reset passwords, change roles and regions, and end an account's
open sessions. Every change is audited (pensioncert/admin/staff.py)."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update

from admin_dash.components.grid import PAGE_SIZE, grid
from admin_dash.components.session import alert, call, current_staff
from admin_dash.components.shell import not_signed_in, page_title
from pensioncert.admin import labels, staff

dash.register_page(__name__, path="/staff", name=labels.STAFF_PAGE, order=6,
                   title=labels.PAGE_TITLE.format(page=labels.STAFF_PAGE))

COLUMNS = labels.STAFF_COLUMNS
ROLE_OPTIONS = [{"label": label, "value": value} for value, label in labels.ROLES.items()]


def layout(**_):
    me = current_staff()
    if me is None:
        return not_signed_in()
    parts = [page_title(labels.STAFF_PAGE, labels.STAFF_HINT),
             _own_password()]
    if me.is_province_admin:
        parts += [html.Hr(), _accounts(), html.Hr(), _new_account()]
    return html.Div(parts)


def _own_password():
    return dbc.Card(dbc.CardBody([
        html.H5(labels.OWN_PASSWORD, className="card-title"),
        html.P(labels.OWN_PASSWORD_HINT, className="text-muted small"),
        dbc.Row([
            dbc.Col(dbc.Input(id="own-old-password", type="password", placeholder=labels.OWN_OLD_PASSWORD, maxLength=128), md=3),
            dbc.Col(dbc.Input(id="own-new-password", type="password", placeholder=labels.OWN_NEW_PASSWORD,
                              maxLength=32), md=4),
            dbc.Col(dbc.Button(labels.OWN_CHANGE, id="own-change", color="primary"), md=2),
        ], className="g-2"),
        html.Div(id="own-change-result"),
    ]), className="mb-3")


def _accounts():
    return html.Div([
        html.Div(labels.STAFF_ACCOUNTS, className="section-title"),
        html.P(labels.STAFF_ACCOUNTS_HINT, className="text-muted small"),
        grid("staff-grid", COLUMNS, staff_rows(), height=300, row_id="username"),
        dcc.Store(id="staff-selected"),
        html.Div(id="staff-selected-label", className="mt-2 fw-bold"),
        dbc.Row([
            dbc.Col(dbc.Input(id="staff-reason", placeholder=labels.STAFF_REASON,
                              maxLength=200), md=5),
            dbc.Col(dbc.ButtonGroup([
                dbc.Button(labels.STAFF_DISABLE, id="staff-disable", color="danger"),
                dbc.Button(labels.STAFF_ENABLE, id="staff-enable", color="success"),
                dbc.Button(labels.STAFF_REVOKE, id="staff-revoke", color="warning"),
            ]), md=4),
        ], className="g-2 mt-1"),
        dbc.Row([
            dbc.Col(dbc.Input(id="staff-reset-password", type="password", placeholder=labels.STAFF_RESET_PASSWORD,
                              maxLength=32), md=3),
            dbc.Col(dbc.Button(labels.STAFF_RESET, id="staff-reset", color="secondary"), md=2),
            dbc.Col(dbc.Select(id="staff-new-role", options=ROLE_OPTIONS, placeholder=labels.STAFF_NEW_ROLE), md=2),
            dbc.Col(dbc.Input(id="staff-new-regions", placeholder=labels.STAFF_NEW_REGIONS, maxLength=200), md=3),
            dbc.Col(dbc.Button(labels.STAFF_SET_ROLE, id="staff-set-role", color="secondary"), md=2),
        ], className="g-2 mt-1"),
        html.Div(id="staff-action-result"),
    ])


def _new_account():
    return html.Div([
        html.Div(labels.STAFF_CREATE_TITLE, className="section-title"),
        dbc.Row([
            dbc.Col(dbc.Input(id="new-username", placeholder=labels.STAFF_NEW_USERNAME, maxLength=32), md=3),
            dbc.Col(dbc.Input(id="new-display-name", placeholder=labels.FIELD_NAME, maxLength=30), md=2),
            dbc.Col(dbc.Select(id="new-role", options=ROLE_OPTIONS, value=labels.ROLE_OPERATOR), md=2),
            dbc.Col(dbc.Input(id="new-regions", placeholder=labels.STAFF_NEW_REGIONS_EXAMPLE, maxLength=200), md=2),
            dbc.Col(dbc.Input(id="new-password", type="password", placeholder=labels.STAFF_INITIAL_PASSWORD, maxLength=32), md=2),
            dbc.Col(dbc.Button(labels.STAFF_CREATE, id="new-create", color="primary"), md=1),
        ], className="g-2"),
        html.Div(id="new-result"),
    ])


def staff_rows() -> list[dict]:
    rows, _ = call(staff.list_staff)
    return rows or []


@callback(Output("own-change-result", "children"), Input("own-change", "n_clicks"),
          State("own-old-password", "value"), State("own-new-password", "value"), prevent_initial_call=True)
def change_own(_clicks, old, new):
    _, error = call(staff.change_own_password, old or "", new or "")
    if error:
        return error
    return alert([html.Span(labels.OWN_PASSWORD_CHANGED), html.A(labels.SIGN_IN_AGAIN, href="/login")],
                 "success", id="own-changed")


@callback(Output("staff-selected", "data"), Output("staff-selected-label", "children"),
          Input("staff-grid", "cellClicked"), prevent_initial_call=True)
def choose(cell):
    username = (cell or {}).get("rowId")
    if not username:
        return no_update, no_update
    return username, labels.CHOSEN.format(chosen=username)


@callback(Output("staff-action-result", "children"), Output("staff-grid", "rowData", allow_duplicate=True),
          Input("staff-disable", "n_clicks"), Input("staff-enable", "n_clicks"), Input("staff-revoke", "n_clicks"),
          Input("staff-reset", "n_clicks"), Input("staff-set-role", "n_clicks"),
          State("staff-selected", "data"), State("staff-reason", "value"),
          State("staff-reset-password", "value"), State("staff-new-role", "value"),
          State("staff-new-regions", "value"), prevent_initial_call=True)
def act(_d, _e, _r, _p, _s, username, reason, new_password, role, regions):
    if not username:
        return alert(labels.STAFF_CHOOSE_FIRST, "warning"), no_update
    action = dash.ctx.triggered_id
    if action == "staff-disable":
        _, error = call(staff.set_active, username, False, reason or "")
        done = labels.STAFF_DISABLED_DONE.format(username=username)
    elif action == "staff-enable":
        _, error = call(staff.set_active, username, True, reason or "")
        done = labels.STAFF_ENABLED_DONE.format(username=username)
    elif action == "staff-revoke":
        _, error = call(staff.end_sessions, username, reason or "")
        done = labels.STAFF_REVOKED_DONE.format(username=username)
    elif action == "staff-reset":
        _, error = call(staff.reset_password, username, new_password or "", reason or "")
        done = labels.STAFF_RESET_DONE.format(username=username)
    else:
        _, error = call(staff.set_role, username, role or "", regions or "", reason or "")
        done = labels.STAFF_ROLE_DONE.format(username=username)
    if error:
        return error, no_update
    return alert(done, "success", id="staff-action-done"), staff_rows()


@callback(Output("new-result", "children"), Output("staff-grid", "rowData", allow_duplicate=True),
          Output("staff-grid", "paginationGoTo"), Output("staff-grid", "scrollTo"),
          Input("new-create", "n_clicks"), State("new-username", "value"), State("new-display-name", "value"),
          State("new-role", "value"), State("new-regions", "value"), State("new-password", "value"),
          prevent_initial_call=True)
def create(_clicks, username, display_name, role, regions, password):
    _, error = call(staff.add_staff, username=username or "", display_name=display_name or "",
                    role=role or "", regions=regions or "", password=password or "")
    if error:
        return error, no_update, no_update, no_update
    # The list is by username, a page at a time: the new account is shown where it landed, not left
    # on a page the administrator is not looking at.
    rows, username = staff_rows(), username.strip()
    position = next((index for index, row in enumerate(rows) if row["username"] == username), 0)
    return (alert(labels.STAFF_CREATED_DONE.format(username=username), "success", id="staff-created"), rows,
            position // PAGE_SIZE, {"rowId": username})
