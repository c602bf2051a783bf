"""air: divisions, stations, hourly observations, published AQI, import batches and errors

Revision ID: air_0001
Revises:
Create Date: 2026-11-29

Base of the ``air`` branch (independent of the ``hj212`` and ``web`` branches).
Mirrors :mod:`qingshan.store.models_air`; constraint names follow the naming convention of
:data:`qingshan.store.base.NAMING` so SQLite and PostgreSQL schemas are identical.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "air_0001"
down_revision = None
branch_labels = ("air",)
depends_on = None

_ID64 = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite rowid needs INTEGER


def upgrade() -> None:
    op.create_table(
        "divisions",
        sa.Column("code", sa.String(12), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("parent_code", sa.String(12), nullable=True),
        sa.PrimaryKeyConstraint("code", name="pk_divisions"),
    )
    op.create_table(
        "air_stations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("city_name", sa.String(64), nullable=True),
        sa.Column("city_code", sa.String(12), nullable=True),
        sa.Column("county_name", sa.String(64), nullable=True),
        sa.Column("county_code", sa.String(12), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("is_control", sa.Boolean(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(32), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_air_stations"),
        sa.UniqueConstraint("code", name="uq_air_stations_code"),
    )
    op.create_table(
        "import_batches",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("file_name", sa.String(512), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("encoding", sa.String(16), nullable=True),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("rows_kept", sa.Integer(), nullable=False),
        sa.Column("rows_rejected", sa.Integer(), nullable=False),
        sa.Column("values_written", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_import_batches"),
    )
    op.create_table(
        "import_errors",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("row", sa.Integer(), nullable=True),
        sa.Column("field", sa.String(64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["import_batches.id"], ondelete="CASCADE",
            name="fk_import_errors_batch_id_import_batches",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_import_errors"),
    )
    op.create_index("ix_import_errors_batch_id", "import_errors", ["batch_id"])
    op.create_table(
        "air_observations",
        sa.Column("id", _ID64, autoincrement=True, nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("time", sa.DateTime(), nullable=False),
        sa.Column("pollutant", sa.String(8), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("flag", sa.String(4), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["station_id"], ["air_stations.id"], ondelete="CASCADE",
            name="fk_air_observations_station_id_air_stations",
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["import_batches.id"], ondelete="SET NULL",
            name="fk_air_observations_batch_id_import_batches",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_air_observations"),
        sa.UniqueConstraint(
            "station_id", "time", "pollutant", "source",
            name="uq_air_observations_station_id_time_pollutant_source",
        ),
    )
    # time-range queries across all stations (city series, latest hour)
    op.create_index("ix_air_observations_time", "air_observations", ["time"])
    op.create_table(
        "air_published_aqi",
        sa.Column("id", _ID64, autoincrement=True, nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("time", sa.DateTime(), nullable=False),
        sa.Column("aqi", sa.Integer(), nullable=True),
        sa.Column("primary_pollutant", sa.String(64), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["station_id"], ["air_stations.id"], ondelete="CASCADE",
            name="fk_air_published_aqi_station_id_air_stations",
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["import_batches.id"], ondelete="SET NULL",
            name="fk_air_published_aqi_batch_id_import_batches",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_air_published_aqi"),
        sa.UniqueConstraint("station_id", "time", "source", name="uq_air_published_aqi_station_id_time_source"),
    )


def downgrade() -> None:
    op.drop_table("air_published_aqi")
    op.drop_index("ix_air_observations_time", table_name="air_observations")
    op.drop_table("air_observations")
    op.drop_index("ix_import_errors_batch_id", table_name="import_errors")
    op.drop_table("import_errors")
    op.drop_table("import_batches")
    op.drop_table("air_stations")
    op.drop_table("divisions")
