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

dash.register_page(__name__, path="/", name="总览", order=0, title="总览 · 经办管理")


def layout(**_):
    if current_staff() is None:
        return not_signed_in()
    figures, error = call(overview.summary)
    if error:
        return error
    return html.Div([
        page_title(f"{figures['year']}年度认证总览（{figures['scope']}）",
                   f"认证截止日期：{figures['due_by']}。数字随每次认证、导入实时更新。"),
        dbc.Row([
            _kpi("待遇领取人数", figures["recipients"], "kpi-recipients"),
            _kpi("本年已认证", figures["certified"], "kpi-certified"),
            _kpi("认证率", f"{figures['certified_rate']}%", "kpi-rate"),
            _kpi("待认证", figures["due"], "kpi-due"),
            _kpi("逾期未认证", figures["overdue"], "kpi-overdue"),
            _kpi("自助认证失败次数", figures["failed_attempts"], "kpi-failed"),
        ], className="g-2 mb-2"),
        _overdue_reviews(),
        dbc.Alert(f"距认证截止日期（{figures['due_by']}）已不足{_warning_days()}天，请督促未认证人员尽快认证。",
                  color="warning") if figures["warning"] else None,
        dbc.Row([
            dbc.Col(dcc.Graph(id="chart-month", figure=_month_chart(figures["by_month"]),
                              config={"displayModeBar": False}), md=6),
            dbc.Col(dcc.Graph(id="chart-method", figure=_method_chart(figures["by_method"]),
                              config={"displayModeBar": False}), md=3),
            dbc.Col(dcc.Graph(id="chart-failures", figure=_failure_chart(figures["failures_by_reason"]),
                              config={"displayModeBar": False}), md=3),
        ], className="g-2"),
        html.Div("认证方式与数据比对来源覆盖", className="section-title"),
        grid("grid-coverage", [("name", "认证方式 / 数据来源"), ("certified", "已认证人数"), ("share", "占待遇领取人数(%)")],
             _coverage(figures), height=260),
        html.Div("各地区认证情况", className="section-title"),
        grid("grid-regions", [("name", "地区"), ("recipients", "待遇领取人数"), ("certified", "已认证"),
                              ("rate", "认证率(%)"), ("due", "待认证")], figures["by_region"], height=260),
        html.Div("各单位认证情况", className="section-title"),
        grid("grid-units", [("region", "地区"), ("name", "单位"), ("recipients", "待遇领取人数"),
                            ("certified", "已认证"), ("rate", "认证率(%)"), ("due", "待认证")],
             figures["by_unit"], height=320),
    ])


def _overdue_reviews():
    """Pending reviews past their deadline (review_working_days working days), linked to the queue."""
    count, error = call(reviews.overdue_count)
    if error:
        return error
    if not count:
        return html.Div("人工复核：无超期未办结的复核。", className="text-muted small mb-2", id="reviews-overdue")
    return dbc.Alert([f"人工复核：{count} 件已超过答复期限未办结，", html.A("前往人工复核", href="/reviews")],
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
    return _layout(go.Figure(go.Bar(x=[f"{m}月" for m in range(1, 13)], y=by_month,
                                    marker_color="#0d6efd")), "每月认证人数")


def _coverage(figures: dict) -> list[dict]:
    """Share of recipients certified by each method, and by each data-matching source (issue 13)."""
    from pensioncert.rules.life_events import LABELS

    whole = figures["recipients"]

    def share(n: int) -> float:
        return round(100.0 * n / whole, 1) if whole else 0.0

    rows = [{"name": labels.METHODS.get(m, m), "certified": n, "share": share(n)}
            for m, n in figures["by_method"].items()]
    rows += [{"name": f"数据比对：{LABELS.get(s, s)}", "certified": n, "share": share(n)}
             for s, n in figures.get("by_source", {}).items()]
    return rows


def _method_chart(by_method: dict) -> go.Figure:
    items = [(labels.METHODS[m], n) for m, n in by_method.items() if n]
    if not items:
        return _empty("认证方式")
    fig = go.Figure(go.Pie(labels=[i[0] for i in items], values=[i[1] for i in items],
                           hole=0.45, textinfo="label+value"))
    return _layout(fig, "认证方式")


def _failure_chart(failures: dict) -> go.Figure:
    if not failures:
        return _empty("自助认证失败原因")
    names = [labels.FAILURE_REASONS.get(r, r) for r in failures]
    return _layout(go.Figure(go.Bar(x=list(failures.values()), y=names, orientation="h",
                                    marker_color="#dc3545")), "自助认证失败原因")


def _empty(title: str) -> go.Figure:
    fig = _layout(go.Figure(), title)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.add_annotation(text="暂无数据", showarrow=False, font={"size": 16, "color": "#6c757d"})
    return fig
