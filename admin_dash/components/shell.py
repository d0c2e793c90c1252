"""The frame around every page: the navigation bar with the staff member and logout."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from admin_dash.components.session import current_staff
from pensioncert.admin import labels


def navbar() -> dbc.Navbar:
    staff = current_staff()
    links = [
        dbc.NavItem(dbc.NavLink(page["name"], href=page["relative_path"], active="exact"))
        for page in dash.page_registry.values()
    ]
    who = html.Span(f"{staff.display_name}（{staff.role_label}"
                    + ("" if staff.is_province_admin else "：" + "、".join(staff.regions)) + "）",
                    className="text-white me-3", id="staff-name") if staff else None
    # A plain link: the session cookie is SameSite=Strict, so another site cannot log staff out.
    logout = html.A(labels.LOGOUT, href="/logout", className="btn btn-outline-light btn-sm", id="logout")
    return dbc.Navbar(
        dbc.Container([
            dbc.NavbarBrand(labels.ADMIN_TITLE, href="/"),
            dbc.Nav(links, navbar=True, className="me-auto"),
            html.Div([who, logout], className="d-flex align-items-center"),
        ], fluid=True),
        color="primary", dark=True, className="mb-3",
    )


def page_title(text: str, hint: str | None = None) -> html.Div:
    return html.Div([html.H3(text, className="mb-1"),
                     html.P(hint, className="text-muted") if hint else None], className="mb-2")


def not_signed_in() -> html.Div:
    return html.Div(labels.SIGN_IN_FIRST, className="p-4")
