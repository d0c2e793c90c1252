"""风险提示: issue 19's fraud signals (rules/fraud_signals.py), each with the records behind it, for staff
to review; an operator sees their own regions. A signal is a reason to look, never a decision."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, dcc, html, no_update

from admin_dash.components.grid import grid
from admin_dash.components.session import alert, call, current_staff
from admin_dash.components.shell import not_signed_in, page_title
from pensioncert.admin import fraud_signals

dash.register_page(__name__, path="/fraud-signals", name=fraud_signals.TITLE, order=3.8,
                   title=f"{fraud_signals.TITLE} · 经办管理")

COLUMNS = [("signal", "提示"), ("subject", "对象"), ("time", "时间"), ("actor_name", "操作人"),
           ("action_label", "操作"), ("target", "涉及人员"), ("region", "地区"), ("after", "内容"), ("reason", "理由")]


def layout(**_):
    if current_staff() is None:
        return not_signed_in()
    found, error = call(fraud_signals.signals)
    rows = [{"signal": signal["title"], **record} for signal in found or [] for record in signal["records"]]
    return html.Div([
        page_title(fraud_signals.TITLE,
                   "以下情况提示需要人工核查，不是结论，也不会自动停止任何业务。每条提示列出其依据的操作记录。"),
        error,
        html.Ul([html.Li([html.B(signal["title"] + "："), signal["how_to_read"]]) for signal in found or []]),
        dbc.Button("导出 CSV", id="fs-export", color="secondary"),
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
    return dcc.send_bytes(content, filename), alert(f"已导出 {filename}", "success", id="fs-exported")
