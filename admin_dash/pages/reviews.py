"""人工复核: appeals from the app and manual certifications whose photo did not match; the evidence
beside the reference photo, the score and the reason; a decision with a reason."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update
from dash.development.base_component import Component

from admin_dash.components.grid import grid
from admin_dash.components.session import alert, call, current_staff
from admin_dash.components.shell import not_signed_in, page_title
from pensioncert.admin import labels, reviews

dash.register_page(__name__, path="/reviews", name=labels.REVIEWS_PAGE, order=2.5,
                   title=labels.PAGE_TITLE.format(page=labels.REVIEWS_PAGE))

QUEUE_COLUMNS = labels.REVIEWS_COLUMNS


def _rows():
    rows, error = call(reviews.queue)
    for row in rows or []:
        row["overdue_label"] = labels.REVIEW_OVERDUE if row["overdue"] else ""
    return rows or [], error


def layout(**_):
    if current_staff() is None:
        return not_signed_in()
    rows, error = _rows()
    return html.Div([
        page_title(labels.REVIEWS_PAGE, labels.REVIEWS_HINT),
        error,
        html.Div(labels.REVIEW_QUEUE, className="section-title"),
        grid("review-queue", QUEUE_COLUMNS, rows, height=280, row_id="review_id"),
        dcc.Store(id="review-id"),
        html.Div(id="review-panel", className="mt-3"),
    ])


@callback(Output("review-id", "data"), Input("review-queue", "cellClicked"), prevent_initial_call=True)
def choose(cell):
    return (cell or {}).get("rowId") or no_update


@callback(Output("review-panel", "children"), Input("review-id", "data"), prevent_initial_call=True)
def panel(review_id):
    shown, error = call(reviews.detail, review_id)
    if error:
        return error
    evidence: list[Component] = [html.Figure([html.Img(src=image["src"], className="review-image", style={"maxHeight": "220px"}),
                             html.Figcaption(image["label"], className="small text-muted")],
                            className="me-2 mb-2 d-inline-block")
                for image in shown["evidence_images"]] or [html.P(labels.REVIEW_EVIDENCE_GONE, className="text-muted")]
    reference = (html.Img(src=shown["reference_image"], id="review-reference", style={"maxHeight": "220px"})
                 if shown["reference_image"] else html.P(labels.REVIEW_REFERENCE_NOT_KEPT, className="text-muted"))
    facts = [(labels.REVIEW_KIND, shown["kind_label"]), (labels.REVIEW_FAILURE, shown["failure"]),
             (labels.AUDIT_SIMILARITY,
              (shown["similarity"] or labels.NONE) + (labels.REVIEW_IN_BAND if shown["review_band"] else "")),
             (labels.REVIEW_REFERENCE, shown["reference_label"]), (labels.REVIEW_DETAIL, shown["failure_detail"]),
             (labels.REVIEW_CREATED, shown["created"]), (labels.REVIEW_DUE_BY, shown["due_by"])]
    if shown["visited_on"]:
        facts += [(labels.REVIEW_VISITED_ON, shown["visited_on"]), (labels.REVIEW_VISIT_ADDRESS, shown["visit_address"]),
                  (labels.REVIEW_VISITED_BY, shown["visited_by"])]
    return dbc.Card(dbc.CardBody([
        html.H5(labels.REVIEW_TITLE.format(name=shown["name"], id_masked=shown["id_masked"], region=shown["region"]),
                id="review-title"),
        dbc.Row([
            dbc.Col([html.Div(labels.REVIEW_EVIDENCE, className="section-title"), html.Div(evidence)], md=8),
            dbc.Col([html.Div(shown["reference_label"], className="section-title"), reference], md=4),
        ]),
        html.Dl([item for label, value in facts for item in (html.Dt(label), html.Dd(value))],
                className="row-facts", id="review-facts"),
        dbc.Row([
            dbc.Col(dbc.RadioItems(id="review-outcome", inline=True, value="passed",
                                   options=labels.REVIEW_DECISIONS), md=5),
            dbc.Col(dbc.Input(id="review-reason", placeholder=labels.REVIEW_OPINION, maxLength=200), md=5),
            dbc.Col(dbc.Button(labels.REVIEW_SUBMIT, id="review-decide", color="primary"), md=2),
        ], className="g-2"),
        html.Div(id="review-result"),
    ]))


@callback(Output("review-result", "children"), Output("review-queue", "rowData"),
          Input("review-decide", "n_clicks"), State("review-id", "data"), State("review-outcome", "value"),
          State("review-reason", "value"), prevent_initial_call=True)
def decide(_clicks, review_id, outcome, reason):
    result, error = call(reviews.decide, review_id, passed=outcome == "passed", reason=reason or "")
    rows, _ = _rows()
    if error:
        return error, rows
    if result["outcome"] == "confirming":
        message = labels.REVIEW_PROPOSED_DONE
    elif result["outcome"] == "passed":
        message = (labels.REVIEW_PASSED_ALREADY_CERTIFIED if result.get("already_certified")
                   else labels.REVIEW_PASSED)
    else:
        message = labels.REVIEW_REFUSED_DONE.format(case_id=result["case_id"])
    return alert(message, "success", id="review-done"), rows
