"""账户管理: find an app account by phone or ID number, its lock state, unlock it."""
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
        page_title("APP账户", "按注册手机号码或身份证号码查找退休人员的手机APP账户，查看锁定状态并解锁。"),
        dbc.InputGroup([
            dbc.Input(id="account-query", placeholder="手机号码或身份证号码", maxLength=24),
            dbc.Button("查找", id="account-search", color="primary"),
        ], className="mb-3", style={"maxWidth": "520px"}),
        dcc.Store(id="account-user"),
        html.Div(id="account-detail"),
    ])


@callback(Output("account-detail", "children"), Output("account-user", "data"),
          Input("account-search", "n_clicks"), Input("account-query", "n_submit"),
          State("account-query", "value"), prevent_initial_call=True)
def find(_clicks, _submit, query):
    account, error = call(accounts.find, query or "")
    if error:
        return error, None
    return _card(account), account["user_id"]


@callback(Output("account-unlock-result", "children"), Input("account-unlock", "n_clicks"),
          State("account-user", "data"), State("account-unlock-reason", "value"), prevent_initial_call=True)
def unlock(_clicks, user_id, reason):
    _, error = call(accounts.unlock, user_id, reason or "")
    return error or alert("已解锁，本人现在可以重新登录", "success", id="account-unlocked")


def _card(account: dict):
    facts = [("姓名", account["name"]), ("手机号码", account["phone"]), ("身份证号码", account["id_masked"]),
             ("地区", account["region"]), ("开户方式", account["created_by"]),
             ("实名认证", "已完成" if account["real_name_verified"] else "未完成"),
             ("账户状态", f"已锁定（至 {account['locked_until']}）" if account["locked"] else "正常"),
             ("连续输错密码", f"{account['failed_logins']} 次"), ("最近登录", account["last_login"] or "无"),
             ("本年自助认证未通过", f"{account['cert_failures']} 次" + (f"（最近：{account['cert_last_reason']}）"
                                                                  if account["cert_last_reason"] else ""))]
    return dbc.Card(dbc.CardBody([
        dbc.Row([dbc.Col([html.Div(label, className="text-muted small"), html.Div(value, id=f"account-fact-{i}")],
                         md=3, className="mb-2") for i, (label, value) in enumerate(facts)]),
        dbc.Row([
            dbc.Col(dbc.Input(id="account-unlock-reason", placeholder="解锁原因（必填，如：本人来电核实身份）",
                              maxLength=200), md=6),
            dbc.Col(dbc.Button("解锁账户", id="account-unlock", color="warning"), md=2),
        ], className="g-2") if account["locked"] or account["failed_logins"] else
        html.P("账户未锁定，无需解锁。", className="text-muted"),
        html.Div(id="account-unlock-result"),
    ]))
