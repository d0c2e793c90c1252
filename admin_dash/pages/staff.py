"""工作人员: every staff member changes their own password; provincial administrators create
accounts, disable or enable them, reset passwords, change roles and regions, and end an account's
open sessions. Every change is audited (pensioncert/admin/staff.py)."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update

from admin_dash.components.grid import grid
from admin_dash.components.session import alert, call, current_staff
from admin_dash.components.shell import not_signed_in, page_title
from pensioncert.admin import labels, staff

dash.register_page(__name__, path="/staff", name="工作人员", order=6, title="工作人员 · 经办管理")

COLUMNS = [("username", "用户名"), ("display_name", "姓名"), ("role_label", "角色"), ("regions", "负责地区"),
           ("status", "账号状态"), ("failed_logins", "连续输错密码"), ("last_login", "最近登录")]
ROLE_OPTIONS = [{"label": label, "value": value} for value, label in labels.ROLES.items()]


def layout(**_):
    me = current_staff()
    if me is None:
        return not_signed_in()
    parts = [page_title("工作人员", "修改本人密码；省级管理员在此新建、停用、启用工作人员账号，重置密码，"
                                 "调整角色和负责地区，强制下线。所有操作记入操作日志。"),
             _own_password()]
    if me.is_province_admin:
        parts += [html.Hr(), _accounts(), html.Hr(), _new_account()]
    return html.Div(parts)


def _own_password():
    return dbc.Card(dbc.CardBody([
        html.H5("修改我的密码", className="card-title"),
        html.P("修改后您在所有电脑上的登录都会结束，请用新密码重新登录。", className="text-muted small"),
        dbc.Row([
            dbc.Col(dbc.Input(id="own-old-password", type="password", placeholder="原密码", maxLength=128), md=3),
            dbc.Col(dbc.Input(id="own-new-password", type="password", placeholder="新密码（8至32位，含字母和数字）",
                              maxLength=32), md=4),
            dbc.Col(dbc.Button("修改密码", id="own-change", color="primary"), md=2),
        ], className="g-2"),
        html.Div(id="own-change-result"),
    ]), className="mb-3")


def _accounts():
    return html.Div([
        html.Div("工作人员账号", className="section-title"),
        html.P("点击一行选择账号，再填写原因进行操作。", className="text-muted small"),
        grid("staff-grid", COLUMNS, staff_rows(), height=300, row_id="username"),
        dcc.Store(id="staff-selected"),
        html.Div(id="staff-selected-label", className="mt-2 fw-bold"),
        dbc.Row([
            dbc.Col(dbc.Input(id="staff-reason", placeholder="操作原因（必填，如：离职、调岗、本人忘记密码）",
                              maxLength=200), md=5),
            dbc.Col(dbc.ButtonGroup([
                dbc.Button("停用", id="staff-disable", color="danger"),
                dbc.Button("启用", id="staff-enable", color="success"),
                dbc.Button("强制下线", id="staff-revoke", color="warning"),
            ]), md=4),
        ], className="g-2 mt-1"),
        dbc.Row([
            dbc.Col(dbc.Input(id="staff-reset-password", type="password", placeholder="新密码（重置用）",
                              maxLength=32), md=3),
            dbc.Col(dbc.Button("重置密码", id="staff-reset", color="secondary"), md=2),
            dbc.Col(dbc.Select(id="staff-new-role", options=ROLE_OPTIONS, placeholder="新角色"), md=2),
            dbc.Col(dbc.Input(id="staff-new-regions", placeholder="负责地区（多个用顿号分隔）", maxLength=200), md=3),
            dbc.Col(dbc.Button("调整角色和地区", id="staff-set-role", color="secondary"), md=2),
        ], className="g-2 mt-1"),
        html.Div(id="staff-action-result"),
    ])


def _new_account():
    return html.Div([
        html.Div("新建账号", className="section-title"),
        dbc.Row([
            dbc.Col(dbc.Input(id="new-username", placeholder="用户名（小写字母、数字、下划线）", maxLength=32), md=3),
            dbc.Col(dbc.Input(id="new-display-name", placeholder="姓名", maxLength=30), md=2),
            dbc.Col(dbc.Select(id="new-role", options=ROLE_OPTIONS, value=labels.ROLE_OPERATOR), md=2),
            dbc.Col(dbc.Input(id="new-regions", placeholder="负责地区，如：西安市", maxLength=200), md=2),
            dbc.Col(dbc.Input(id="new-password", type="password", placeholder="初始密码", maxLength=32), md=2),
            dbc.Col(dbc.Button("新建", id="new-create", color="primary"), md=1),
        ], className="g-2"),
        html.Div(id="new-result"),
    ])


def staff_rows() -> list[dict]:
    rows, _ = call(staff.list_staff)
    return rows or []


@callback(Output("own-change-result", "children"), Input("own-change", "n_clicks"),
          State("own-old-password", "value"), State("own-new-password", "value"), prevent_initial_call=True)
def change_own(_clicks, old, new):
    _, error = call(staff.change_own_password, old or "", new or "")
    if error:
        return error
    return alert([html.Span("密码已修改，所有登录已结束。"), html.A("请重新登录", href="/login")],
                 "success", id="own-changed")


@callback(Output("staff-selected", "data"), Output("staff-selected-label", "children"),
          Input("staff-grid", "cellClicked"), prevent_initial_call=True)
def choose(cell):
    username = (cell or {}).get("rowId")
    if not username:
        return no_update, no_update
    return username, f"已选择：{username}"


@callback(Output("staff-action-result", "children"), Output("staff-grid", "rowData", allow_duplicate=True),
          Input("staff-disable", "n_clicks"), Input("staff-enable", "n_clicks"), Input("staff-revoke", "n_clicks"),
          Input("staff-reset", "n_clicks"), Input("staff-set-role", "n_clicks"),
          State("staff-selected", "data"), State("staff-reason", "value"),
          State("staff-reset-password", "value"), State("staff-new-role", "value"),
          State("staff-new-regions", "value"), prevent_initial_call=True)
def act(_d, _e, _r, _p, _s, username, reason, new_password, role, regions):
    if not username:
        return alert("请先在表格中点击选择一个账号", "warning"), no_update
    action = dash.ctx.triggered_id
    if action == "staff-disable":
        _, error = call(staff.set_active, username, False, reason or "")
        done = f"已停用 {username}，其所有登录已结束"
    elif action == "staff-enable":
        _, error = call(staff.set_active, username, True, reason or "")
        done = f"已启用 {username}"
    elif action == "staff-revoke":
        _, error = call(staff.end_sessions, username, reason or "")
        done = f"已强制 {username} 下线"
    elif action == "staff-reset":
        _, error = call(staff.reset_password, username, new_password or "", reason or "")
        done = f"已重置 {username} 的密码，其所有登录已结束"
    else:
        _, error = call(staff.set_role, username, role or "", regions or "", reason or "")
        done = f"已调整 {username} 的角色和负责地区，其所有登录已结束"
    if error:
        return error, no_update
    return alert(done, "success", id="staff-action-done"), staff_rows()


@callback(Output("new-result", "children"), Output("staff-grid", "rowData", allow_duplicate=True),
          Input("new-create", "n_clicks"), State("new-username", "value"), State("new-display-name", "value"),
          State("new-role", "value"), State("new-regions", "value"), State("new-password", "value"),
          prevent_initial_call=True)
def create(_clicks, username, display_name, role, regions, password):
    _, error = call(staff.add_staff, username=username or "", display_name=display_name or "",
                    role=role or "", regions=regions or "", password=password or "")
    if error:
        return error, no_update
    return alert(f"已新建账号 {username}", "success", id="staff-created"), staff_rows()
