"""Relational store: SQLAlchemy 2 models per domain on one metadata, SQLite by default, PostgreSQL in server mode."""
