"""风险提示: issue 19's fraud signals (rules/fraud_signals.py), each with the records behind it, for staff
to review; an operator sees their own regions. A signal is a reason to look, never a decision."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, dcc, html, no_update

from admin_dash.components.grid import grid
from admin_dash.components.session import alert, call, current_staff
from admin_dash.components.shell import not_signed_in, page_title
from pensioncert.admin import fraud_signals, labels

dash.register_page(__name__, path="/fraud-signals", name=fraud_signals.TITLE, order=3.8,
                   title=labels.PAGE_TITLE.format(page=fraud_signals.TITLE))

COLUMNS = labels.FRAUD_SIGNALS_COLUMNS


def layout(**_):
    if current_staff() is None:
        return not_signed_in()
    found, error = call(fraud_signals.signals)
    rows = [{"signal": signal["title"], **record} for signal in found or [] for record in signal["records"]]
    return html.Div([
        page_title(fraud_signals.TITLE, labels.FRAUD_SIGNALS_HINT),
        error,
        html.Ul([html.Li([html.B(labels.FRAUD_SIGNAL_SHOWN.format(title=signal["title"])), signal["how_to_read"]]) for signal in found or []]),
        dbc.Button(labels.EXPORT_CSV, id="fs-export", color="secondary"),
        dcc.Download(id="fs-download"),
        html.Div(id="fs-export-result"),
        grid("fs-rows", COLUMNS, rows, height=420),
    ])


@callback(Output("fs-download", "data"), Output("fs-export-result", "children"), Input("fs-export", "n_clicks"),
          prevent_initial_call=True)
def export(_clicks):
    result, error = call(fraud_signals.export)
    if error:
        return no_update, error
    filename, content = result
    return dcc.send_bytes(content, filename), alert(labels.EXPORTED.format(filename=filename), "success", id="fs-exported")
