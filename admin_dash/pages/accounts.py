"""账户管理: find an app account or a card login by phone or ID number, their locks, unlock them."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html

from admin_dash.components.session import alert, call, current_staff
from admin_dash.components.shell import not_signed_in, page_title
from pensioncert.admin import accounts, labels

dash.register_page(__name__, path="/accounts", name=labels.ACCOUNTS_PAGE, order=4,
                   title=labels.PAGE_TITLE.format(page=labels.ACCOUNTS_PAGE))


def layout(**_):
    if current_staff() is None:
        return not_signed_in()
    return html.Div([
        page_title(labels.ACCOUNTS_HEADING, labels.ACCOUNTS_HINT),
        dbc.InputGroup([
            dbc.Input(id="account-query", placeholder=labels.ACCOUNTS_QUERY, maxLength=24),
            dbc.Button(labels.ACCOUNTS_FIND, id="account-search", color="primary"),
        ], className="mb-3", style={"maxWidth": "520px"}),
        dcc.Store(id="account-user"),
        dcc.Store(id="account-card"),
        html.Div(id="account-detail"),
    ])


@callback(Output("account-detail", "children"), Output("account-user", "data"), Output("account-card", "data"),
          Input("account-search", "n_clicks"), Input("account-query", "n_submit"),
          State("account-query", "value"), prevent_initial_call=True)
def find(_clicks, _submit, query):
    found, error = call(accounts.find, query or "")
    if error:
        return error, None, None
    account, card = found["account"], found["card"]
    parts = [_account_card(account) if account else
             dbc.Alert(labels.ACCOUNTS_NONE_FOR_ID, color="secondary")]
    if card:
        parts.append(_card_card(card))
    return html.Div(parts), account and account["user_id"], card and card["id_key"]


@callback(Output("account-unlock-result", "children"), Input("account-unlock", "n_clicks"),
          State("account-user", "data"), State("account-unlock-reason", "value"), prevent_initial_call=True)
def unlock(_clicks, user_id, reason):
    _, error = call(accounts.unlock, user_id, reason or "")
    return error or alert(labels.ACCOUNT_UNLOCKED, "success", id="account-unlocked")


@callback(Output("card-unlock-result", "children"), Input("card-unlock", "n_clicks"),
          State("account-card", "data"), State("card-unlock-reason", "value"), prevent_initial_call=True)
def unlock_card(_clicks, id_key, reason):
    _, error = call(accounts.unlock_card, id_key, reason or "")
    return error or alert(labels.CARD_UNLOCKED, "success", id="card-unlocked")


def _facts(prefix: str, facts: list[tuple[str, str]]):
    return dbc.Row([dbc.Col([html.Div(label, className="text-muted small"), html.Div(value, id=f"{prefix}-fact-{i}")],
                            md=3, className="mb-2") for i, (label, value) in enumerate(facts)])


def _unlock_row(prefix: str, placeholder: str, button: str, needed: bool, idle: str):
    if not needed:
        return html.P(idle, className="text-muted")
    return dbc.Row([
        dbc.Col(dbc.Input(id=f"{prefix}-unlock-reason", placeholder=placeholder, maxLength=200), md=6),
        dbc.Col(dbc.Button(button, id=f"{prefix}-unlock", color="warning"), md=2),
    ], className="g-2")


def _account_card(account: dict):
    last_reason = account["cert_last_reason"]
    facts = [(labels.FIELD_NAME, account["name"]), (labels.ACCOUNT_PHONE, account["phone"]),
             (labels.ID_NUMBER, account["id_masked"]), (labels.FIELD_REGION, account["region"]),
             (labels.ACCOUNT_CREATED_BY, account["created_by"]),
             (labels.ACCOUNT_REAL_NAME, labels.ACCOUNT_REAL_NAME_DONE if account["real_name_verified"]
              else labels.ACCOUNT_REAL_NAME_NOT_DONE),
             (labels.ACCOUNT_STATE, labels.ACCOUNT_LOCKED_UNTIL.format(until=account["locked_until"])
              if account["locked"] else labels.ACCOUNT_NORMAL),
             (labels.ACCOUNT_FAILED_LOGINS, labels.TIMES.format(count=account["failed_logins"])),
             (labels.ACCOUNT_LAST_LOGIN, account["last_login"] or labels.NONE),
             (labels.ACCOUNT_CERT_FAILURES, labels.TIMES.format(count=account["cert_failures"])
              + (labels.ACCOUNT_CERT_LAST_REASON.format(reason=last_reason) if last_reason else ""))]
    return dbc.Card(dbc.CardBody([
        html.H5(labels.ACCOUNTS_HEADING, className="card-title"),
        _facts("account", facts),
        _unlock_row("account", labels.ACCOUNT_UNLOCK_REASON, labels.ACCOUNT_UNLOCK,
                    account["locked"] or account["failed_logins"], labels.ACCOUNT_NOT_LOCKED),
        html.Div(id="account-unlock-result"),
    ]), className="mb-3")


def _card_card(card: dict):
    facts = [(labels.FIELD_NAME, card["name"]), (labels.FIELD_CARD_STATUS, card["status"]),
             (labels.ACCOUNT_BY_CARD, labels.CARD_LOGIN_LOCKED_UNTIL.format(until=card["locked_until"])
              if card["locked"] else labels.ACCOUNT_NORMAL),
             (labels.CARD_FAILED_PINS, labels.TIMES.format(count=card["failed_pins"]))]
    return dbc.Card(dbc.CardBody([
        html.H5(labels.ACCOUNT_BY_CARD, className="card-title"),
        _facts("card", facts),
        _unlock_row("card", labels.CARD_UNLOCK_REASON, labels.CARD_UNLOCK,
                    card["locked"] or card["failed_pins"], labels.CARD_NOT_LOCKED),
        html.Div(id="card-unlock-result"),
    ]), className="mb-3")
