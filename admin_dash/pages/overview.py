"""总览: this year's certification figures of the staff member's scope, from the counters."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import dcc, html

from admin_dash.components.grid import grid
from admin_dash.components.session import call, current_staff
from admin_dash.components.shell import not_signed_in, page_title
from pensioncert.admin import labels, overview, reviews

dash.register_page(__name__, path="/", name=labels.OVERVIEW_PAGE, order=0,
                   title=labels.PAGE_TITLE.format(page=labels.OVERVIEW_PAGE))


def layout(**_):
    if current_staff() is None:
        return not_signed_in()
    figures, error = call(overview.summary)
    if error:
        return error
    return html.Div([
        page_title(labels.OVERVIEW_TITLE.format(year=figures["year"], scope=figures["scope"]),
                   labels.OVERVIEW_HINT.format(due_by=figures["due_by"])),
        dbc.Row([
            _kpi(labels.OVERVIEW_KPIS["recipients"], figures["recipients"], "kpi-recipients"),
            _kpi(labels.OVERVIEW_KPIS["certified"], figures["certified"], "kpi-certified"),
            _kpi(labels.OVERVIEW_KPIS["rate"], f"{figures['certified_rate']}%", "kpi-rate"),
            _kpi(labels.OVERVIEW_KPIS["due"], figures["due"], "kpi-due"),
            _kpi(labels.OVERVIEW_KPIS["overdue"], figures["overdue"], "kpi-overdue"),
            _kpi(labels.OVERVIEW_KPIS["failed"], figures["failed_attempts"], "kpi-failed"),
        ], className="g-2 mb-2"),
        _overdue_reviews(),
        dbc.Alert(labels.OVERVIEW_DUE_SOON.format(due_by=figures["due_by"], days=_warning_days()),
                  color="warning") if figures["warning"] else None,
        dbc.Row([
            dbc.Col(dcc.Graph(id="chart-month", figure=_month_chart(figures["by_month"]),
                              config={"displayModeBar": False}), md=6),
            dbc.Col(dcc.Graph(id="chart-method", figure=_method_chart(figures["by_method"]),
                              config={"displayModeBar": False}), md=3),
            dbc.Col(dcc.Graph(id="chart-failures", figure=_failure_chart(figures["failures_by_reason"]),
                              config={"displayModeBar": False}), md=3),
        ], className="g-2"),
        html.Div(labels.OVERVIEW_COVERAGE, className="section-title"),
        grid("grid-coverage", labels.OVERVIEW_COVERAGE_COLUMNS,
             _coverage(figures), height=260),
        html.Div(labels.OVERVIEW_BY_REGION, className="section-title"),
        grid("grid-regions", labels.OVERVIEW_REGION_COLUMNS, figures["by_region"], height=260),
        html.Div(labels.OVERVIEW_BY_UNIT, className="section-title"),
        grid("grid-units", labels.OVERVIEW_UNIT_COLUMNS,
             figures["by_unit"], height=320),
    ])


def _overdue_reviews():
    """Pending reviews past their deadline (review_working_days working days), linked to the queue."""
    count, error = call(reviews.overdue_count)
    if error:
        return error
    if not count:
        return html.Div(labels.OVERVIEW_NO_OVERDUE_REVIEWS, className="text-muted small mb-2", id="reviews-overdue")
    return dbc.Alert([labels.OVERVIEW_OVERDUE_REVIEWS.format(count=count), html.A(labels.OVERVIEW_GO_TO_REVIEWS, href="/reviews")],
                     color="danger", id="reviews-overdue")


def _kpi(label: str, value, element_id: str):
    return dbc.Col(dbc.Card(dbc.CardBody([html.Div(label, className="label"),
                                          html.Div(str(value), className="value", id=element_id)]),
                            className="kpi h-100"), xs=6, md=2)


def _warning_days() -> int:
    from admin_dash.components.session import services

    return services().settings.payment_warning_days


def _layout(fig: go.Figure, title: str) -> go.Figure:
    fig.update_layout(title=title, height=300, margin={"l": 30, "r": 10, "t": 40, "b": 30},
                      paper_bgcolor="white", plot_bgcolor="white", showlegend=False)
    return fig


def _month_chart(by_month: list[int]) -> go.Figure:
    return _layout(go.Figure(go.Bar(x=[labels.OVERVIEW_MONTH.format(month=m) for m in range(1, 13)], y=by_month,
                                    marker_color="#0d6efd")), labels.OVERVIEW_PER_MONTH)


def _coverage(figures: dict) -> list[dict]:
    """Share of recipients certified by each method, and by each data-matching source (issue 13)."""
    from pensioncert.rules.life_events import LABELS

    whole = figures["recipients"]

    def share(n: int) -> float:
        return round(100.0 * n / whole, 1) if whole else 0.0

    rows = [{"name": labels.METHODS.get(m, m), "certified": n, "share": share(n)}
            for m, n in figures["by_method"].items()]
    rows += [{"name": labels.OVERVIEW_DATA_MATCH_SOURCE.format(source=LABELS.get(s, s)), "certified": n, "share": share(n)}
             for s, n in figures.get("by_source", {}).items()]
    return rows


def _method_chart(by_method: dict) -> go.Figure:
    items = [(labels.METHODS[m], n) for m, n in by_method.items() if n]
    if not items:
        return _empty(labels.OVERVIEW_METHODS)
    fig = go.Figure(go.Pie(labels=[i[0] for i in items], values=[i[1] for i in items],
                           hole=0.45, textinfo="label+value"))
    return _layout(fig, labels.OVERVIEW_METHODS)


def _failure_chart(failures: dict) -> go.Figure:
    if not failures:
        return _empty(labels.OVERVIEW_FAILURES)
    names = [labels.FAILURE_REASONS.get(r, r) for r in failures]
    return _layout(go.Figure(go.Bar(x=list(failures.values()), y=names, orientation="h",
                                    marker_color="#dc3545")), labels.OVERVIEW_FAILURES)


def _empty(title: str) -> go.Figure:
    fig = _layout(go.Figure(), title)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.add_annotation(text=labels.NO_DATA, showarrow=False, font={"size": 16, "color": "#6c757d"})
    return fig
