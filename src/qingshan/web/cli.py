"""``qingshan serve``: migrate the database, then serve the workspace with uvicorn."""

from __future__ import annotations


def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """启动网页工作台与 API（先执行数据库迁移）。"""
    import uvicorn

    from qingshan.store.migrate import upgrade
    from qingshan.web.app import create_app
    from qingshan.web.security import WebSettings

    settings = WebSettings.from_env()
    upgrade(settings.database_url)
    app = create_app(WebSettings.from_env(migrate=False))
    print(f"青山工作台：http://{host}:{port}/  （API 文档：http://{host}:{port}/docs）")
    uvicorn.run(app, host=host, port=port, log_level="info")
