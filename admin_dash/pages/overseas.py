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
from pensioncert.admin import labels, manual_evidence, overseas, staff

dash.register_page(__name__, path="/overseas", name=labels.OVERSEAS_PAGE, order=3,
                   title=labels.PAGE_TITLE.format(page=labels.OVERSEAS_PAGE))

COLUMNS = labels.OVERSEAS_COLUMNS


def layout(**_):
    if current_staff() is None:
        return not_signed_in()
    rows, error = call(overseas.residents)
    return html.Div([
        page_title(labels.OVERSEAS_PAGE, labels.OVERSEAS_HINT),
        error,
        dbc.Row([
            dbc.Col([
                html.Div(labels.OVERSEAS_IMPORT, className="section-title"),
                html.P(labels.OVERSEAS_IMPORT_FORMAT, className="text-muted small"),
                dcc.Upload(id="os-upload", children=html.Div(labels.CLICK_OR_DROP_CSV), className="upload-box",
                           accept=".csv,text/csv", max_size=5 * 1024 * 1024),
                html.Div(id="os-upload-result"),
            ], md=7),
            dbc.Col([
                html.Div(labels.OVERSEAS_EXPORT, className="section-title"),
                html.P(labels.OVERSEAS_EXPORT_HINT, className="text-muted small"),
                dbc.Button(labels.EXPORT_CSV, id="os-export-csv", color="secondary", className="me-2"),
                dbc.Button(labels.EXPORT_EXCEL, id="os-export-xlsx", color="success"),
                dcc.Download(id="os-download"),
                html.Div(id="os-export-result"),
            ], md=5),
        ]),
        html.Div(labels.OVERSEAS_LIST, className="section-title"),
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
        html.H5(labels.OVERSEAS_TITLE.format(name=person["name"], country=person["country"]), id="os-title"),
        html.P(labels.OVERSEAS_STATE.format(photo=person["photo"], certified=person["certified"]), className="text-muted"),
        dbc.Row([
            dbc.Col(dcc.Upload(id="os-photo", children=html.Div(labels.OVERSEAS_PHOTO_UPLOAD),
                               className="upload-box", accept="image/jpeg,image/png",
                               max_size=5 * 1024 * 1024), md=6),
        ], className="g-2 mb-2"),
        html.Div(labels.OVERSEAS_CERTIFY, className="section-title"),
        html.P(labels.OVERSEAS_CERTIFY_HINT, className="text-muted small"),
        dbc.Row([
            dbc.Col(dcc.Upload(id="os-visit-photo", children=html.Div(labels.OVERSEAS_VISIT_PHOTO, id="os-visit-label"),
                               className="upload-box", accept="image/jpeg,image/png",
                               max_size=5 * 1024 * 1024), md=3),
            dbc.Col(dbc.RadioItems(id="os-channel", value="video_call",
                                   options=[{"label": label, "value": value}
                                            for value, label in overseas.CHANNELS.items()]), md=2),
            dbc.Col(dbc.Input(id="os-visited-on", placeholder=labels.OVERSEAS_VISITED_ON, maxLength=10), md=2),
            dbc.Col(dbc.Input(id="os-place", placeholder=labels.OVERSEAS_PLACE, maxLength=200), md=2),
            dbc.Col(dcc.Dropdown(id="os-visitor", placeholder=labels.OVERSEAS_VERIFIER, value=_me_if_listed(visitors),
                                 options=[{"label": f"{p['display_name']}（{p['username']}）", "value": p["username"]}
                                          for p in visitors]), md=2),
        ], className="g-2 mb-2"),
        dbc.Button(labels.OVERSEAS_CERTIFY, id="os-certify", color="primary"),
        html.Div(id="os-action-result"),
    ]))


def _me_if_listed(visitors: list[dict]) -> str | None:
    me = current_staff()
    return me.username if me and any(p["username"] == me.username for p in visitors) else None


@callback(Output("os-visit-label", "children"), Input("os-visit-photo", "filename"), prevent_initial_call=True)
def visit_photo_chosen(filename):
    return labels.CHOSEN.format(chosen=filename) if filename else labels.OVERSEAS_VISIT_PHOTO


@callback(Output("os-action-result", "children"), Output("os-list", "rowData", allow_duplicate=True),
          Input("os-photo", "contents"), Input("os-certify", "n_clicks"), State("os-key", "data"),
          State("os-visit-photo", "contents"), State("os-channel", "value"), State("os-visited-on", "value"),
          State("os-place", "value"), State("os-visitor", "value"), prevent_initial_call=True)
def act(photo, _certify, key, visit_photo, channel, visited_on, place, visitor):
    if dash.ctx.triggered_id == "os-photo":
        image = upload_bytes(photo)
        if image is None:
            return alert(labels.PHOTO_UNREADABLE), no_update
        result, error = call(overseas.model_photo, key, image)
        message = error or alert(result["message"], "success" if result["status"] == "modelled" else "warning",
                                 id="os-photo-result")
    else:
        visit = manual_evidence.VisitFacts(upload_bytes(visit_photo), visited_on or "", place or "", visitor or "")
        result, error = call(overseas.certify, key, visit, channel or "")
        if error or result["outcome"] == "confirming":
            message = error or alert(labels.OVERSEAS_CERTIFY_SUBMITTED.format(year=result["year"],
                                                                              similarity=result["similarity"]),
                                     "success", id="os-certified")
        else:
            score = "" if result["similarity"] is None else labels.SIMILARITY_NOTE.format(similarity=result["similarity"])
            message = alert(labels.OVERSEAS_CERTIFY_REVIEW.format(score=score, review_id=result["review_id"]),
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
    return dcc.send_bytes(content, filename), alert(labels.EXPORTED.format(filename=filename), "success", id="os-exported")
