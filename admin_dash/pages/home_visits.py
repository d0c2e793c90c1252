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
from pensioncert.admin import home_visits, labels, manual_evidence, staff

dash.register_page(__name__, path="/home-visits", name=labels.HOME_VISITS_PAGE, order=2,
                   title=labels.PAGE_TITLE.format(page=labels.HOME_VISITS_PAGE))

QUEUE_COLUMNS = labels.HOME_VISITS_COLUMNS


def layout(**_):
    if current_staff() is None:
        return not_signed_in()
    rows, error = call(home_visits.queue)
    return html.Div([
        page_title(labels.HOME_VISITS_PAGE, labels.HOME_VISITS_HINT),
        error,
        html.Div(labels.HOME_VISITS_QUEUE, className="section-title"),
        grid("hv-queue", QUEUE_COLUMNS, rows or [], height=300, row_id="case_id"),
        dcc.Store(id="hv-case"),
        html.Div(id="hv-panel", className="mt-3"),
        html.Hr(),
        dbc.Row([
            dbc.Col([
                html.Div(labels.HOME_VISIT_REGISTER, className="section-title"),
                dbc.Input(id="hv-id", placeholder=labels.ID_NUMBER, maxLength=20, className="mb-2"),
                dbc.Input(id="hv-reason", placeholder=labels.HOME_VISIT_REASON, maxLength=200, className="mb-2"),
                dbc.Input(id="hv-address", placeholder=labels.HOME_VISIT_ADDRESS, maxLength=200, className="mb-2"),
                dbc.Input(id="hv-phone", placeholder=labels.HOME_VISIT_PHONE, maxLength=20, className="mb-2"),
                dbc.Button(labels.HOME_VISIT_CREATE, id="hv-create", color="primary"),
                html.Div(id="hv-create-result"),
            ], md=6),
            dbc.Col([
                html.Div(labels.HOME_VISITS_UPLOAD, className="section-title"),
                html.P(labels.HOME_VISITS_UPLOAD_FORMAT, className="text-muted small"),
                dcc.Upload(id="hv-upload", children=html.Div(labels.CLICK_OR_DROP_CSV), className="upload-box",
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
        html.H5(labels.HOME_VISIT_TITLE.format(name=case["name"], status=case["status_label"]), id="hv-title"),
        html.P(labels.HOME_VISIT_FACTS.format(address=case["address"], reason=case["reason"]), className="text-muted"),
        dbc.Row([
            dbc.Col(dcc.Dropdown(id="hv-assignee", placeholder=labels.HOME_VISIT_CHOOSE_VISITOR,
                                 options=[{"label": f"{p['display_name']}（{p['username']}）",
                                           "value": p["username"]} for p in people],
                                 value=case["assigned_to"] or None), md=4),
            dbc.Col(dbc.Button(labels.HOME_VISIT_ASSIGN, id="hv-assign", color="secondary"), md=2),
            dbc.Col(dbc.Input(id="hv-date", placeholder=labels.HOME_VISIT_DATE, maxLength=10,
                              value=case["scheduled_for"] or None), md=3),
            dbc.Col(dbc.Button(labels.HOME_VISIT_SCHEDULE, id="hv-schedule", color="secondary"), md=2),
        ], className="g-2 mb-3"),
        html.Div(labels.HOME_VISIT_OUTCOME, className="section-title"),
        html.P(labels.HOME_VISIT_OUTCOME_HINT, className="text-muted small"),
        dbc.Row([
            dbc.Col(dcc.Upload(id="hv-photo", children=html.Div(labels.HOME_VISIT_PHOTO, id="hv-photo-label"),
                               className="upload-box", accept="image/jpeg,image/png",
                               max_size=5 * 1024 * 1024), md=4),
            dbc.Col(dbc.Input(id="hv-visited-on", placeholder=labels.HOME_VISIT_VISITED_ON, maxLength=10,
                              value=case["scheduled_for"] or None), md=2),
            dbc.Col(dbc.Input(id="hv-visit-address", placeholder=labels.HOME_VISIT_ADDRESS, maxLength=200,
                              value=case["address"] or None), md=3),
            dbc.Col(dcc.Dropdown(id="hv-visitor", placeholder=labels.AUDIT_VISITOR,
                                 options=[{"label": f"{p['display_name']}（{p['username']}）",
                                           "value": p["username"]} for p in people],
                                 value=case["assigned_to"] or None), md=3),
        ], className="g-2 mb-2"),
        dbc.Row([
            dbc.Col(dbc.RadioItems(id="hv-outcome", inline=True, value="passed",
                                   options=labels.HOME_VISIT_OUTCOMES), md=3),
            dbc.Col(dbc.Input(id="hv-failure", placeholder=labels.HOME_VISIT_FAILURE, maxLength=200), md=5),
            dbc.Col(dbc.Button(labels.HOME_VISIT_RECORD, id="hv-record", color="primary"), md=3),
        ], className="g-2"),
        html.Div(id="hv-action-result"),
    ]))


@callback(Output("hv-photo-label", "children"), Input("hv-photo", "filename"), prevent_initial_call=True)
def photo_chosen(filename):
    return labels.CHOSEN.format(chosen=filename) if filename else labels.HOME_VISIT_PHOTO


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
        done = labels.HOME_VISIT_ASSIGNED
    elif trigger == "hv-schedule":
        _, error = call(home_visits.schedule, case_id, day or "")
        done = labels.HOME_VISIT_SCHEDULED.format(day=day)
    else:
        visit = manual_evidence.VisitFacts(upload_bytes(photo), visited_on or "", address or "", visitor or "")
        result, error = call(home_visits.record_outcome, case_id, passed=outcome == "passed",
                             failure_reason=failure or "", visit=visit)
        score = (result or {}).get("similarity")
        score = labels.HOME_VISIT_SCORE.format(score=score) if score is not None else ""
        done = labels.HOME_VISIT_RECORDED.get((result or {}).get("outcome") or "", "").format(
            score=score, review_id=(result or {}).get("review_id"))
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
    return error or alert(labels.HOME_VISIT_QUEUED, "success"), rows or no_update


@callback(Output("hv-upload-result", "children"), Output("hv-queue", "rowData", allow_duplicate=True),
          Input("hv-upload", "contents"), prevent_initial_call=True)
def upload(contents):
    text, problem = upload_text(contents)
    if problem:
        return alert(problem), no_update
    report, error = call(home_visits.import_unit_reports, text)
    rows, _ = call(home_visits.queue)
    return error or import_report(report), rows or no_update
