"""账户管理: find an app account or a card login by phone or ID number, their locks, unlock them."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html

from admin_dash.components.session import alert, call, current_staff
from admin_dash.components.shell import not_signed_in, page_title
from pensioncert.admin import accounts

dash.register_page(__name__, path="/accounts", name="账户管理", order=4, title="账户管理 · 经办管理")


def layout(**_):
    if current_staff() is None:
        return not_signed_in()
    return html.Div([
        page_title("APP账户", "按注册手机号码或身份证号码查找退休人员的手机APP账户和社保卡登录，查看锁定状态并解锁。"),
        dbc.InputGroup([
            dbc.Input(id="account-query", placeholder="手机号码或身份证号码", maxLength=24),
            dbc.Button("查找", id="account-search", color="primary"),
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
             dbc.Alert("此身份证号码尚无完成实名认证或社保卡登录的APP账户。", color="secondary")]
    if card:
        parts.append(_card_card(card))
    return html.Div(parts), account and account["user_id"], card and card["id_key"]


@callback(Output("account-unlock-result", "children"), Input("account-unlock", "n_clicks"),
          State("account-user", "data"), State("account-unlock-reason", "value"), prevent_initial_call=True)
def unlock(_clicks, user_id, reason):
    _, error = call(accounts.unlock, user_id, reason or "")
    return error or alert("已解锁，本人现在可以重新登录", "success", id="account-unlocked")


@callback(Output("card-unlock-result", "children"), Input("card-unlock", "n_clicks"),
          State("account-card", "data"), State("card-unlock-reason", "value"), prevent_initial_call=True)
def unlock_card(_clicks, id_key, reason):
    _, error = call(accounts.unlock_card, id_key, reason or "")
    return error or alert("社保卡登录已解锁，本人现在可以用社保卡重新登录", "success", id="card-unlocked")


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
    facts = [("姓名", account["name"]), ("手机号码", account["phone"]), ("身份证号码", account["id_masked"]),
             ("地区", account["region"]), ("开户方式", account["created_by"]),
             ("实名认证", "已完成" if account["real_name_verified"] else "未完成"),
             ("账户状态", f"已锁定（至 {account['locked_until']}）" if account["locked"] else "正常"),
             ("连续输错密码", f"{account['failed_logins']} 次"), ("最近登录", account["last_login"] or "无"),
             ("本年自助认证未通过", f"{account['cert_failures']} 次" + (f"（最近：{account['cert_last_reason']}）"
                                                                  if account["cert_last_reason"] else ""))]
    return dbc.Card(dbc.CardBody([
        html.H5("APP账户", className="card-title"),
        _facts("account", facts),
        _unlock_row("account", "解锁原因（必填，如：本人来电核实身份）", "解锁账户",
                    account["locked"] or account["failed_logins"], "账户未锁定，无需解锁。"),
        html.Div(id="account-unlock-result"),
    ]), className="mb-3")


def _card_card(card: dict):
    facts = [("姓名", card["name"]), ("社保卡状态", card["status"]),
             ("社保卡登录", f"已锁定（至 {card['locked_until']}，到时自动解锁）" if card["locked"] else "正常"),
             ("连续输错社保卡密码", f"{card['failed_pins']} 次")]
    return dbc.Card(dbc.CardBody([
        html.H5("社保卡登录", className="card-title"),
        _facts("card", facts),
        _unlock_row("card", "解锁原因（必填，如：本人持身份证和社保卡到柜台）", "解锁社保卡登录",
                    card["locked"] or card["failed_pins"], "社保卡登录未锁定，无需解锁。"),
        html.Div(id="card-unlock-result"),
    ]), className="mb-3")
