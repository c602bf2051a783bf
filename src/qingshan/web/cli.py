"""``qingshan serve``: migrate the database, then serve the workspace with uvicorn."""

from __future__ import annotations


def serve(host: str = "127.0.0.1", port: int = 8000, cookie_secure: bool = False) -> None:
    """启动网页工作台与 API（先执行数据库迁移）。--cookie-secure（或环境变量 QINGSHAN_COOKIE_SECURE=1）：Cookie 一律加 Secure 标志，用于 HTTPS 反向代理之后；经 HTTPS 到达的请求总是加 Secure。"""
    # --cookie-secure forces the Secure flag; requests over HTTPS get it anyway (proxy_headers:
    # uvicorn takes the scheme from a trusted proxy's X-Forwarded-Proto).
    import uvicorn

    from qingshan.store.migrate import upgrade
    from qingshan.web.app import create_app
    from qingshan.web.security import WebSettings

    settings = WebSettings.from_env()
    upgrade(settings.database_url)
    overrides = {"migrate": False}
    if cookie_secure:
        overrides["cookie_secure"] = True
    app = create_app(WebSettings.from_env(**overrides))
    from sqlalchemy import func, select

    from qingshan.core.org import User

    with app.state.sessionmaker() as db:
        admins = db.scalar(select(func.count()).select_from(User).where(User.role == "admin", User.active.is_(True)))
    if not admins:
        print("注意：尚无有效的系统管理员账户。请先运行 `qingshan users create-admin` 创建（密码交互输入）。")
    print(f"青山工作台：http://{host}:{port}/  （API 文档：http://{host}:{port}/docs）")
    # keep-alive longer than a busy client's gap between requests (uvicorn's 5 s default made pooled
    # connections close under clients that were about to reuse them: httpx.ReadError under load)
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=True, timeout_keep_alive=75)
