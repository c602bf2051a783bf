"""``qingshan users``: the first administrator of a fresh install, and account listing.

The password is never a command-line argument (it would stay in the shell history and be
visible in the process list): it is prompted twice without echo, or read from standard input
with ``--password-stdin`` (first line; for scripts: ``printf '%s\\n' "$PW" | qingshan users
create-admin --username it-admin --password-stdin``).
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.core.audit import SYSTEM
from qingshan.core.errors import DomainError
from qingshan.core.org import User, ensure_org, role_label
from qingshan.store.db import make_engine
from qingshan.store.migrate import upgrade
from qingshan.web import accounts
from qingshan.web.security import WebSettings

app = typer.Typer(help="账户：创建首个系统管理员、查看账户", no_args_is_help=True)
console = Console()


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise typer.BadParameter("标准输入中没有密码（第一行应为密码）。")
        return line.rstrip("\r\n")
    first = typer.prompt("新密码（至少 10 个字符，输入时不显示）", hide_input=True)
    second = typer.prompt("再次输入新密码", hide_input=True)
    if first != second:
        console.print("[red]两次输入的密码不一致，未创建账户。[/red]")
        raise typer.Exit(1)
    return first


@app.command("create-admin")
def create_admin(
    username: str = typer.Option("admin", "--username", "-u", help="用户名（字母、数字、_ . -）"),
    display_name: str = typer.Option("系统管理员", "--display-name", help="显示名称"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="从标准输入第一行读取密码（不提示）"),
) -> None:
    """创建系统管理员账户（新安装后创建第一个管理员）。密码交互输入或从标准输入读取，不接受命令行参数。"""
    settings = WebSettings.from_env()
    upgrade(settings.database_url)
    password = _read_password(password_stdin)
    engine = make_engine(settings.database_url)
    try:
        with Session(engine, expire_on_commit=False) as db:
            units = ensure_org(db)
            db.commit()
            bureau = units.get("大同市生态环境局")
            try:
                user = accounts.create_user(db, SYSTEM, settings, username=username, display_name=display_name,
                                            role="admin", password=password, unit=bureau.id if bureau else None)
            except DomainError as exc:
                console.print(f"[red]未创建：{exc.message}[/red]")
                raise typer.Exit(1) from None
            n = accounts.active_admins(db)
    finally:
        engine.dispose()
    console.print(f"已创建系统管理员「{user.username}」（共 {n} 个有效的系统管理员）。请用此账户登录网页，"
                  "在「系统管理」中为其他人员开通账户。")


@app.command("list")
def list_users() -> None:
    """列出账户（用户名、角色、单位、是否有效）。"""
    settings = WebSettings.from_env()
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with Session(engine) as db:
            rows = db.scalars(select(User).order_by(User.id)).all()
            table = Table("用户名", "显示名称", "角色", "单位", "状态", title=f"账户（{len(rows)} 个）")
            for u in rows:
                table.add_row(u.username, u.display_name, role_label(u.role), u.unit.name if u.unit else "—",
                              "有效" if u.active else "停用")
    finally:
        engine.dispose()
    console.print(table)
    if not any(u.role == "admin" and u.active for u in rows):
        console.print("[yellow]尚无有效的系统管理员：请运行 qingshan users create-admin[/yellow]")
