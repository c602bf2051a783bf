"""The web workspace: accounts, audit trail, JSON API and the server-rendered pages.

Entry point: :func:`qingshan.web.app.create_app`. Contract for page authors: :mod:`qingshan.web.deps`.
"""
