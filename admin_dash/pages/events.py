"""数据比对: import life-event feeds; the suspension, reinstatement, overpayment and review lists."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update

from admin_dash.components.grid import grid
from admin_dash.components.reports import import_report
from admin_dash.components.session import alert, call, current_staff
from admin_dash.components.shell import not_signed_in, page_title
from admin_dash.components.uploads import upload_bytes
from pensioncert.admin import events, labels

dash.register_page(__name__, path="/events", name=labels.EVENTS_PAGE, order=3.5,
                   title=labels.PAGE_TITLE.format(page=labels.EVENTS_PAGE))

COLUMNS = labels.EVENTS_COLUMNS


def layout(**_):
    if current_staff() is None:
        return not_signed_in()
    rows, error = call(events.rows, "suspended")
    return html.Div([
        page_title(labels.EVENTS_PAGE, labels.EVENTS_HINT),
        error,
        dbc.Row([
            dbc.Col([
                html.Div(labels.EVENTS_IMPORT, className="section-title"),
                html.P(labels.EVENTS_IMPORT_FORMAT,
                       className="text-muted small"),
                html.P(labels.EVENTS_SIGNING, className="text-muted small"),
                dbc.Row([
                    dbc.Col(dbc.Input(id="ev-source", placeholder=labels.EVENTS_SOURCE, maxLength=50), md=5),
                    dbc.Col(dbc.Input(id="ev-signature", placeholder=labels.EVENTS_SIGNATURE, maxLength=128), md=7),
                ], className="g-2 mb-2"),
                dcc.Upload(id="ev-upload", children=html.Div(labels.CLICK_OR_DROP_CSV), className="upload-box",
                           accept=".csv,text/csv", max_size=50 * 1024 * 1024),
                html.Div(id="ev-upload-result"),
            ], md=7),
            dbc.Col([
                html.Div(labels.EVENTS_LISTS, className="section-title"),
                dcc.Dropdown(id="ev-list", value="suspended", clearable=False,
                             options=[{"label": label, "value": name} for name, label in events.LISTS.items()]),
                html.Div([
                    dbc.Button(labels.EXPORT_CSV, id="ev-export-csv", color="secondary", className="me-2 mt-2"),
                    dbc.Button(labels.EVENTS_EXPORT_XLSX, id="ev-export-xlsx", color="success", className="mt-2"),
                ]),
                dcc.Download(id="ev-download"),
                html.Div(id="ev-export-result"),
            ], md=5),
        ]),
        html.Div(labels.EVENTS_LIST_CONTENT, className="section-title"),
        grid("ev-rows", COLUMNS, rows or [], height=360, row_id="key"),
    ])


@callback(Output("ev-upload-result", "children"), Input("ev-upload", "contents"),
          State("ev-upload", "filename"), State("ev-source", "value"), State("ev-signature", "value"),
          prevent_initial_call=True)
def upload(contents, filename, source, signature):
    data = upload_bytes(contents)
    if data is None:
        return alert(labels.FILE_UNREADABLE)
    report, error = call(events.import_upload, data, filename if isinstance(filename, str) else "",
                         source=source if isinstance(source, str) else "",
                         signature=signature if isinstance(signature, str) else "")
    if error:
        return error
    if isinstance(report, events.FeedAwaitingApproval):
        return alert(labels.EVENTS_UNSIGNED.format(digest=report.sha256[:16]), "warning", id="ev-pending")
    outcomes = report.outcomes
    summary = labels.EVENTS_OUTCOMES.format(certified=outcomes.get("certified", 0),
                                            deaths=outcomes.get("death_pending_confirmation", 0),
                                            suspended=outcomes.get("suspended", 0), flagged=outcomes.get("flagged", 0))
    return html.Div([import_report(report), alert(summary, "info", id="ev-outcomes")])


@callback(Output("ev-rows", "rowData"), Input("ev-list", "value"), Input("ev-upload-result", "children"),
          prevent_initial_call=True)
def show(name, _uploaded):
    rows, _ = call(events.rows, name or "suspended")
    return rows or []


@callback(Output("ev-download", "data"), Output("ev-export-result", "children"),
          Input("ev-export-csv", "n_clicks"), Input("ev-export-xlsx", "n_clicks"), State("ev-list", "value"),
          prevent_initial_call=True)
def export(_csv, _xlsx, name):
    fmt = "csv" if dash.ctx.triggered_id == "ev-export-csv" else "xlsx"
    result, error = call(events.export, name or "suspended", fmt)
    if error:
        return no_update, error
    filename, content = result
    return dcc.send_bytes(content, filename), alert(labels.EXPORTED.format(filename=filename), "success", id="ev-exported")
