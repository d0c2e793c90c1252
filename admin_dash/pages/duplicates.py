"""同一人脸对应多名待遇人员: pairs of two ID numbers whose reference photos show the same face (issue 22);
click a pair to see both records and their photos side by side."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update

from admin_dash.components.grid import grid
from admin_dash.components.session import alert, call, current_staff
from admin_dash.components.shell import not_signed_in, page_title
from pensioncert.admin import duplicate_faces, labels

dash.register_page(__name__, path="/duplicates", name=labels.DUPLICATES_PAGE, order=3.7,
                   title=labels.PAGE_TITLE.format(page=duplicate_faces.TITLE))

COLUMNS = labels.DUPLICATES_COLUMNS


def layout(**_):
    if current_staff() is None:
        return not_signed_in()
    rows, error = call(duplicate_faces.pairs)
    return html.Div([
        page_title(duplicate_faces.TITLE, labels.DUPLICATES_HINT),
        error,
        grid("dup-rows", COLUMNS, rows or [], height=320, row_id="pair_id"),
        dcc.Store(id="dup-pair"),
        html.Div(id="dup-panel", className="mt-3"),
        dbc.Row([
            dbc.Col(dbc.RadioItems(id="dup-finding", inline=True, value=duplicate_faces.SAME_PERSON,
                                   options=[{"label": label, "value": finding}
                                            for finding, label in duplicate_faces.FINDINGS.items()]), md=5),
            dbc.Col(dbc.Input(id="dup-reason", placeholder=labels.DUPLICATES_OPINION, maxLength=200), md=5),
            dbc.Col(dbc.Button(labels.DUPLICATES_SUBMIT, id="dup-decide", color="primary"), md=2),
        ], className="g-2 mt-2"),
        html.Div(id="dup-result"),
    ])


@callback(Output("dup-pair", "data"), Output("dup-panel", "children"), Input("dup-rows", "cellClicked"),
          prevent_initial_call=True)
def show(cell):
    pair_id = (cell or {}).get("rowId")
    if not pair_id:
        return no_update, no_update
    shown, error = call(duplicate_faces.pair_detail, pair_id)
    if error:
        return None, error
    return pair_id, dbc.Row([dbc.Col(_record(person), md=6) for person in shown["people"]], id="dup-records")


@callback(Output("dup-result", "children"), Output("dup-rows", "rowData"), Input("dup-decide", "n_clicks"),
          State("dup-pair", "data"), State("dup-finding", "value"), State("dup-reason", "value"),
          prevent_initial_call=True)
def decide(_clicks, pair_id, finding, reason):
    if not pair_id:
        return alert(labels.CLICK_A_ROW_FIRST), no_update
    result, error = call(duplicate_faces.decide, pair_id, finding=finding or "", reason=reason or "")
    rows, _ = call(duplicate_faces.pairs)
    if error:
        return error, rows or []
    return alert(labels.DUPLICATES_RECORDED.format(state=result["state"]), "success", id="dup-done"), rows or []


def _record(person: dict):
    facts = [(labels.FIELD_NAME, person["name"]), (labels.ID_NUMBER, person["id"]),
             (labels.FIELD_REGION, person["region"]), (labels.FIELD_UNIT, person["unit"]),
             (labels.FIELD_STATUS, person["status"])]
    return dbc.Card(dbc.CardBody([
        html.Dl([item for label, value in facts for item in (html.Dt(label), html.Dd(value))], className="row-facts"),
        html.Div([html.Figure([html.Img(src=photo["src"], style={"maxHeight": "220px"}),
                               html.Figcaption(photo["label"])], className="me-3 d-inline-block")
                  for photo in person["photos"]] or [html.P(labels.DUPLICATES_NO_PHOTO, className="text-muted")]),
    ]))
