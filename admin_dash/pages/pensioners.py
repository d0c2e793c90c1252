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

dash.register_page(__name__, path="/pensioners", name=labels.PENSIONERS_PAGE, order=1,
                   title=labels.PAGE_TITLE.format(page=labels.PENSIONERS_PAGE))

# Below the server's request limit (app.py MAX_CONTENT_LENGTH, 12 MiB) after base64 (4/3).
UPLOAD_LIMIT = 8 * 1024 * 1024
RESULT_COLUMNS = labels.PENSIONERS_COLUMNS


def layout(**_):
    if current_staff() is None:
        return not_signed_in()
    return html.Div([
        page_title(labels.PENSIONERS_PAGE, labels.PENSIONERS_HINT),
        dbc.InputGroup([
            dbc.Input(id="person-query", placeholder=labels.PENSIONERS_QUERY, maxLength=30),
            dbc.Button(labels.SEARCH, id="person-search", color="primary"),
        ], className="mb-2", style={"maxWidth": "520px"}),
        html.Div(id="person-search-message"),
        grid("person-results", RESULT_COLUMNS, height=240, row_id="key"),
        dbc.Button(labels.SHOW_MORE, id="person-more", color="link", className="d-none"),
        dcc.Store(id="person-cursor"),
        dcc.Store(id="person-key"),
        html.Div(id="person-detail", className="mt-3"),
        html.Hr(),
        html.Div(labels.REGISTRY_IMPORT, className="section-title"),
        html.P(labels.REGISTRY_IMPORT_FORMAT,
               className="text-muted small"),
        dcc.Upload(id="registry-upload", children=html.Div(labels.REGISTRY_UPLOAD),
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
    message = alert(labels.PENSIONERS_NONE_FOUND, "secondary") if not rows else None
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
            parts.append(labels.CORRECTED_NAME_AND_STATUS.format(name=after["name"],
                                                                status=labels.PERSON_STATUS[after["status"]]))
        if "id_number" in after:
            parts.append(labels.CORRECTED_ID_NUMBER.format(id_number=after["id_number"]))
        message = alert(labels.CORRECTION_SUBMITTED.format(changes="，".join(parts), effective=result["effective"]),
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
        return alert(labels.STAFF_PHOTO_UNREADABLE)
    _result, error = call(pensioners.set_staff_photo, key, image=image, reason=reason or "")
    return error or alert(labels.STAFF_PHOTO_SAVED,
                          "success", id="staff-photo-done")


def _detail(person: dict, message=None):
    pending = person["pending_correction"]
    facts = [(labels.FIELD_NAME, person["name"]), (labels.ID_NUMBER, person["id_number"]),
             (labels.FIELD_REGION, person["region"]), (labels.FIELD_UNIT, person["unit"]),
             (labels.FIELD_STATUS, person["status_label"]),
             (labels.FIELD_REFERENCE_PHOTO, labels.REFERENCE_PHOTO_SET if person["has_photo"] else labels.ABSENT),
             (labels.AUDIT_STAFF_PHOTO, labels.STAFF_PHOTO_TAKEN if person.get("has_staff_photo") else labels.ABSENT)]
    return dbc.Card(dbc.CardBody([
        html.H5(labels.PERSON_TITLE.format(name=person["name"]), id="person-title"),
        dbc.Row([dbc.Col([html.Div(label, className="text-muted small"), html.Div(value, id=f"fact-{i}")], md=2)
                 for i, (label, value) in enumerate(facts)], className="mb-2"),
        dbc.Alert(labels.CORRECTION_PENDING.format(name=pending["name"], status=pending["status_label"],
                                                   effective=pending["effective"]),
                  color="info", id="pending-correction")
        if pending else None,
        dbc.Alert(labels.ID_NUMBER_CORRECTED_TO.format(since=person["id_valid_from"]),
                  color="info", id="pending-id-number") if person.get("id_valid_from") else None,
        dbc.Alert(labels.ID_NUMBER_CORRECTED_AWAY.format(until=person["id_valid_until"]), color="secondary",
                  id="ended-id-number") if person.get("id_valid_until") else None,
        dcc.Store(id="detail-key", data=person["key"]),
        dbc.Row([
            dbc.Col([html.Div(labels.CERTIFICATION_HISTORY, className="section-title"),
                     grid("person-history", labels.CERTIFICATION_HISTORY_COLUMNS,
                          person["history"], height=200)], md=6),
            dbc.Col([html.Div(labels.FAILED_ATTEMPTS, className="section-title"),
                     grid("person-attempts", labels.FAILED_ATTEMPTS_COLUMNS,
                          person["attempts"], height=200)], md=6),
        ]),
        html.Div(labels.CORRECTION_TITLE, className="section-title"),
        dbc.Row([
            dbc.Col(dbc.Input(id="correction-name", placeholder=labels.CORRECTION_NAME, maxLength=30), md=2),
            dbc.Col(dbc.Input(id="correction-id-number", placeholder=labels.CORRECTION_ID_NUMBER,
                              maxLength=30), md=3),
            dbc.Col(dcc.Dropdown(id="correction-status", placeholder=labels.CORRECTION_STATUS,
                                 options=[{"label": v, "value": k} for k, v in labels.PERSON_STATUS.items()]),
                    md=2),
            dbc.Col(dbc.Input(id="correction-reason", placeholder=labels.CORRECTION_REASON, maxLength=200), md=3),
            dbc.Col(dbc.Button(labels.CORRECTION_SUBMIT, id="correction-submit", color="warning"), md=2),
        ], className="g-2"),
        html.P(labels.CORRECTION_ID_NUMBER_HINT, className="text-muted small mt-2"),
        html.Div(message, id="correction-result"),
        html.Div(labels.STAFF_PHOTO_TITLE, className="section-title mt-3"),
        html.P(labels.STAFF_PHOTO_HINT, className="text-muted small"),
        dbc.Row([
            dbc.Col(dbc.Input(id="staff-photo-reason", placeholder=labels.STAFF_PHOTO_REASON,
                              maxLength=200), md=5),
            dbc.Col(dcc.Upload(id="staff-photo-upload", children=html.Div(labels.STAFF_PHOTO_UPLOAD),
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
        dbc.Col(dbc.Input(id="move-region", placeholder=labels.MOVE_REGION, maxLength=100), md=2),
        dbc.Col(dbc.Input(id="move-unit", placeholder=labels.MOVE_UNIT, maxLength=100), md=3),
        dbc.Col(dbc.Button(labels.MOVE_SUBMIT, id="move-submit", color="warning"), md=2),
    ] if staff is not None and staff.is_province_admin else []
    return html.Div([
        html.Div(labels.REMOVE_PHOTO + (labels.REMOVE_PHOTO_AND_MOVE if move else ""), className="section-title mt-3"),
        html.P(labels.REMOVE_PHOTO_HINT, className="text-muted small"),
        dbc.Row([
            dbc.Col(dbc.Input(id="person-action-reason", placeholder=labels.REASON_REQUIRED_SHORT, maxLength=200), md=3),
            dbc.Col(dbc.Button(labels.REMOVE_PHOTO, id="photo-remove", color="danger", outline=True,
                               disabled=not person["has_photo"]), md=2),
            *move,
        ], className="g-2"),
        html.Div(id="person-action-result"),
    ])


@callback(Output("person-action-result", "children"), Input("photo-remove", "n_clicks"),
          State("detail-key", "data"), State("person-action-reason", "value"), prevent_initial_call=True)
def remove_photo(_clicks, key, reason):
    _, error = call(pensioners.remove_reference_photo, key, reason=reason or "")
    return error or alert(labels.PHOTO_REMOVED, "success", id="photo-removed")


@callback(Output("person-action-result", "children", allow_duplicate=True), Input("move-submit", "n_clicks"),
          State("detail-key", "data"), State("move-region", "value"), State("move-unit", "value"),
          State("person-action-reason", "value"), prevent_initial_call=True)
def move(_clicks, key, region, unit, reason):
    result, error = call(pensioners.move_region, key, region=region or "", unit=unit or "", reason=reason or "")
    return error or alert(labels.REGION_MOVED.format(region=result["region"], unit=result["unit"]), "success", id="region-moved")
