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
from pensioncert.admin import confirmations, labels

dash.register_page(__name__, path="/confirmations", name=labels.CONFIRMATIONS_PAGE, order=2.4,
                   title=labels.PAGE_TITLE.format(page=labels.CONFIRMATIONS_PAGE))

COLUMNS = labels.CONFIRMATIONS_COLUMNS


def _rows():
    rows, error = call(confirmations.queue)
    for row in rows or []:
        row["may_label"] = labels.CONFIRMATION_MAY if row["may_decide"] else row["why_not"]
    return rows or [], error


def layout(**_):
    if current_staff() is None:
        return not_signed_in()
    rows, error = _rows()
    return html.Div([
        page_title(labels.CONFIRMATIONS_PAGE, labels.CONFIRMATIONS_HINT),
        error,
        grid("confirm-queue", COLUMNS, rows, height=320, row_id="confirmation_id"),
        dcc.Store(id="confirm-id"),
        html.Div(id="confirm-chosen", className="mt-2"),
        dbc.Row([
            dbc.Col(dbc.Input(id="confirm-reason", placeholder=labels.CONFIRMATION_OPINION, maxLength=200), md=6),
            dbc.Col(dbc.Button(labels.CONFIRMATION_APPROVE, id="confirm-approve", color="primary", className="me-2"), md="auto"),
            dbc.Col(dbc.Button(labels.CONFIRMATION_REFUSE, id="confirm-refuse", color="secondary"), md="auto"),
        ], className="g-2 mt-1"),
        html.Div(id="confirm-result"),
    ])


@callback(Output("confirm-id", "data"), Output("confirm-chosen", "children"),
          Input("confirm-queue", "cellClicked"), prevent_initial_call=True)
def choose(cell):
    chosen = (cell or {}).get("rowId")
    if not isinstance(chosen, str):
        return no_update, no_update
    return chosen, html.P(labels.CHOSEN.format(chosen=chosen), className="text-muted small", id="confirm-chosen-id")


@callback(Output("confirm-result", "children"), Output("confirm-queue", "rowData"),
          Input("confirm-approve", "n_clicks"), Input("confirm-refuse", "n_clicks"),
          State("confirm-id", "data"), State("confirm-reason", "value"), prevent_initial_call=True)
def decide(_approve, _refuse, confirmation_id, reason):
    if not isinstance(confirmation_id, str):
        rows, _ = _rows()
        return alert(labels.CONFIRMATION_CHOOSE_FIRST), rows
    approving = dash.ctx.triggered_id == "confirm-approve"
    service = confirmations.approve if approving else confirmations.refuse
    result, error = call(service, confirmation_id, reason=reason if isinstance(reason, str) else "")
    rows, _ = _rows()
    if error:
        return error, rows
    if not approving:
        return alert(labels.CONFIRMATION_REFUSED, "success", id="confirm-done"), rows
    if "report" in result:
        report = result["report"]
        message = labels.CONFIRMED_FEED.format(rows=report.rows, written=report.written, errors=report.error_count)
    elif result.get("outcome") == "deceased":
        message = labels.CONFIRMED_DEATH
    elif result.get("has_staff_photo"):
        message = labels.CONFIRMED_PHOTO + (labels.CONFIRMED_PHOTO_TOLD if result.get("notified")
                                             else labels.CONFIRMED_PHOTO_NOT_TOLD)
    elif result.get("outcome") == "already_certified":
        message = labels.CONFIRMED_ALREADY_CERTIFIED
    else:
        message = labels.CONFIRMED_CERTIFIED
    return alert(message, "success", id="confirm-done"), rows
