"""The acting staff member of the current request (set by the guard in app.py) and the way a
callback calls a service: an AppError becomes a plain Chinese message for the page."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash.development.base_component import Component
from flask import g

from pensioncert.errors import AppError


def current_staff():
    """The request's StaffPrincipal; None outside a guarded request (the services refuse None)."""
    return g.get("staff")


def services():
    from pensioncert.services import services as build

    return build()


def alert(message: str | list[Component], color: str = "danger", **kwargs) -> dbc.Alert:
    return dbc.Alert(message, color=color, className="mt-2", **kwargs)


def call(service, *args, **kwargs):
    """(result, None) or (None, an alert with the error's message)."""
    try:
        return service(services(), current_staff(), *args, **kwargs), None
    except AppError as error:
        return None, alert(error.message)
