"""carbon: factor rows, facilities and units, monthly records, city balance and GDP, plans, runs, checks

Revision ID: carbon_0001
Revises:
Create Date: 2026-12-01

Base of the ``carbon`` branch. Mirrors :mod:`qingshan.carbon.models`; constraint names follow
:data:`qingshan.store.base.NAMING` so SQLite and PostgreSQL schemas are identical. Depends on the
``hj212`` branch base (``src_enterprise``, which facilities reference).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "carbon_0001"
down_revision = None
branch_labels = ("carbon",)
depends_on = ("hj212_0001",)


def upgrade() -> None:
    op.create_table('carbon_factor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('table_name', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('param', sa.String(length=40), nullable=False),
    sa.Column('value', sa.String(length=40), nullable=True),
    sa.Column('unit', sa.String(length=30), nullable=False),
    sa.Column('valid_from', sa.Integer(), nullable=True),
    sa.Column('valid_to', sa.Integer(), nullable=True),
    sa.Column('version', sa.String(length=60), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('source', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.CheckConstraint("status IN ('confirmed', 'UNCONFIRMED')", name='ck_carbon_factor_status'),
    sa.PrimaryKeyConstraint('id', name='pk_carbon_factor'),
    sa.UniqueConstraint('table_name', 'key', 'param', 'valid_from', 'version', name='uq_carbon_factor_table_name_key_param_valid_from_version')
    )
    op.create_table('carbon_import_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('file_name', sa.String(length=300), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('rows_read', sa.Integer(), nullable=False),
    sa.Column('rows_inserted', sa.Integer(), nullable=False),
    sa.Column('rows_updated', sa.Integer(), nullable=False),
    sa.Column('rows_unchanged', sa.Integer(), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name='pk_carbon_import_batch')
    )
    op.create_index('ix_carbon_import_batch_sha256', 'carbon_import_batch', ['sha256'], unique=False)
    op.create_table('carbon_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('base_year', sa.Integer(), nullable=False),
    sa.Column('target', sa.String(length=40), nullable=False),
    sa.Column('target_source', sa.String(length=300), nullable=False),
    sa.Column('target_status', sa.String(length=12), nullable=False),
    sa.Column('projected_gdp_index', sa.String(length=40), nullable=True),
    sa.Column('demo', sa.Boolean(), nullable=False),
    sa.CheckConstraint("target_status IN ('confirmed', 'UNCONFIRMED')", name='ck_carbon_plan_target_status'),
    sa.PrimaryKeyConstraint('id', name='pk_carbon_plan'),
    sa.UniqueConstraint('name', name='uq_carbon_plan_name')
    )
    op.create_table('carbon_city_balance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('months', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=30), nullable=False),
    sa.Column('use', sa.String(length=30), nullable=False),
    sa.Column('quantity', sa.String(length=40), nullable=False),
    sa.Column('ncv', sa.String(length=40), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=True),
    sa.Column('demo', sa.Boolean(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('months IN (3, 6, 9, 12)', name='ck_carbon_city_balance_months'),
    sa.ForeignKeyConstraint(['batch_id'], ['carbon_import_batch.id'], name='fk_carbon_city_balance_batch_id_carbon_import_batch'),
    sa.PrimaryKeyConstraint('id', name='pk_carbon_city_balance'),
    sa.UniqueConstraint('year', 'months', 'item', 'use', name='uq_carbon_city_balance_year_months_item_use')
    )
    op.create_index('ix_carbon_city_balance_year', 'carbon_city_balance', ['year'], unique=False)
    op.create_table('carbon_city_gdp',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('months', sa.Integer(), nullable=False),
    sa.Column('gdp_nominal', sa.String(length=40), nullable=True),
    sa.Column('gdp_index', sa.String(length=40), nullable=True),
    sa.Column('source', sa.String(length=300), nullable=True),
    sa.Column('demo', sa.Boolean(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('months IN (3, 6, 9, 12)', name='ck_carbon_city_gdp_months'),
    sa.ForeignKeyConstraint(['batch_id'], ['carbon_import_batch.id'], name='fk_carbon_city_gdp_batch_id_carbon_import_batch'),
    sa.PrimaryKeyConstraint('id', name='pk_carbon_city_gdp'),
    sa.UniqueConstraint('year', 'months', name='uq_carbon_city_gdp_year_months')
    )
    op.create_index('ix_carbon_city_gdp_year', 'carbon_city_gdp', ['year'], unique=False)
    op.create_table('carbon_facility',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('sector', sa.String(length=10), nullable=False),
    sa.Column('county_code', sa.String(length=6), nullable=True),
    sa.Column('demo', sa.Boolean(), nullable=False),
    sa.CheckConstraint("sector IN ('power', 'cement')", name='ck_carbon_facility_sector'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['src_enterprise.id'], name='fk_carbon_facility_enterprise_id_src_enterprise'),
    sa.PrimaryKeyConstraint('id', name='pk_carbon_facility'),
    sa.UniqueConstraint('code', name='uq_carbon_facility_code')
    )
    op.create_index('ix_carbon_facility_enterprise_id', 'carbon_facility', ['enterprise_id'], unique=False)
    op.create_table('carbon_unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('capacity_mw', sa.String(length=40), nullable=True),
    sa.Column('unit_class', sa.String(length=20), nullable=True),
    sa.Column('chp', sa.Boolean(), nullable=False),
    sa.Column('cooling', sa.String(length=5), nullable=True),
    sa.Column('clinker_type', sa.String(length=20), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint("kind IN ('unit', 'plant_line', 'clinker_line')", name='ck_carbon_unit_kind'),
    sa.ForeignKeyConstraint(['facility_id'], ['carbon_facility.id'], name='fk_carbon_unit_facility_id_carbon_facility'),
    sa.PrimaryKeyConstraint('id', name='pk_carbon_unit'),
    sa.UniqueConstraint('facility_id', 'code', name='uq_carbon_unit_facility_id_code')
    )
    op.create_index('ix_carbon_unit_facility_id', 'carbon_unit', ['facility_id'], unique=False)
    op.create_table('carbon_annual_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('emission_t', sa.String(length=40), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['carbon_import_batch.id'], name='fk_carbon_annual_report_batch_id_carbon_import_batch'),
    sa.ForeignKeyConstraint(['unit_id'], ['carbon_unit.id'], name='fk_carbon_annual_report_unit_id_carbon_unit'),
    sa.PrimaryKeyConstraint('id', name='pk_carbon_annual_report'),
    sa.UniqueConstraint('unit_id', 'year', name='uq_carbon_annual_report_unit_id_year')
    )
    op.create_index('ix_carbon_annual_report_unit_id', 'carbon_annual_report', ['unit_id'], unique=False)
    op.create_table('carbon_cement_month',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('clinker_t', sa.String(length=40), nullable=True),
    sa.Column('clinker_type', sa.String(length=20), nullable=False),
    sa.Column('coal_t', sa.String(length=40), nullable=True),
    sa.Column('ncv', sa.String(length=40), nullable=True),
    sa.Column('c_ar', sa.String(length=40), nullable=True),
    sa.Column('substitutes', sa.JSON(), nullable=False),
    sa.Column('alt_fuels', sa.JSON(), nullable=False),
    sa.Column('cao', sa.String(length=40), nullable=True),
    sa.Column('cao_nc', sa.String(length=40), nullable=True),
    sa.Column('mgo', sa.String(length=40), nullable=True),
    sa.Column('mgo_nc', sa.String(length=40), nullable=True),
    sa.Column('kiln_dust_t', sa.String(length=40), nullable=True),
    sa.Column('bypass_dust_t', sa.String(length=40), nullable=True),
    sa.Column('elec_mwh', sa.String(length=40), nullable=True),
    sa.Column('lodged_on', sa.Date(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('source_row', sa.Integer(), nullable=True),
    sa.CheckConstraint('month BETWEEN 1 AND 12', name='ck_carbon_cement_month_month'),
    sa.ForeignKeyConstraint(['batch_id'], ['carbon_import_batch.id'], name='fk_carbon_cement_month_batch_id_carbon_import_batch'),
    sa.ForeignKeyConstraint(['unit_id'], ['carbon_unit.id'], name='fk_carbon_cement_month_unit_id_carbon_unit'),
    sa.PrimaryKeyConstraint('id', name='pk_carbon_cement_month'),
    sa.UniqueConstraint('unit_id', 'year', 'month', name='uq_carbon_cement_month_unit_id_year_month')
    )
    op.create_index('ix_carbon_cement_month_unit_id', 'carbon_cement_month', ['unit_id'], unique=False)
    op.create_table('carbon_power_month',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('coal_t', sa.String(length=40), nullable=True),
    sa.Column('ncv', sa.String(length=40), nullable=True),
    sa.Column('c', sa.String(length=40), nullable=True),
    sa.Column('c_basis', sa.String(length=2), nullable=False),
    sa.Column('m_t', sa.String(length=40), nullable=True),
    sa.Column('m_ad', sa.String(length=40), nullable=True),
    sa.Column('h', sa.String(length=40), nullable=True),
    sa.Column('s_t', sa.String(length=40), nullable=True),
    sa.Column('lab_report_id', sa.String(length=80), nullable=True),
    sa.Column('sample_id', sa.String(length=80), nullable=True),
    sa.Column('ncv_sample_id', sa.String(length=80), nullable=True),
    sa.Column('sample_from', sa.Date(), nullable=True),
    sa.Column('sample_to', sa.Date(), nullable=True),
    sa.Column('coal_source_changed', sa.Boolean(), nullable=False),
    sa.Column('coal_data_source', sa.String(length=20), nullable=True),
    sa.Column('coal_data_reason', sa.String(length=300), nullable=True),
    sa.Column('other_fuels', sa.JSON(), nullable=False),
    sa.Column('purchased_elec_mwh', sa.String(length=40), nullable=True),
    sa.Column('generation_mwh', sa.String(length=40), nullable=True),
    sa.Column('supply_mwh', sa.String(length=40), nullable=True),
    sa.Column('heat_gj', sa.String(length=40), nullable=True),
    sa.Column('heat_ratio', sa.String(length=40), nullable=True),
    sa.Column('running_hours', sa.String(length=40), nullable=True),
    sa.Column('lodged_on', sa.Date(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('source_row', sa.Integer(), nullable=True),
    sa.CheckConstraint("c_basis IN ('ar', 'ad')", name='ck_carbon_power_month_c_basis'),
    sa.CheckConstraint("kind IN ('monthly', 'annual')", name='ck_carbon_power_month_kind'),
    sa.CheckConstraint('month BETWEEN 1 AND 12', name='ck_carbon_power_month_month'),
    sa.ForeignKeyConstraint(['batch_id'], ['carbon_import_batch.id'], name='fk_carbon_power_month_batch_id_carbon_import_batch'),
    sa.ForeignKeyConstraint(['unit_id'], ['carbon_unit.id'], name='fk_carbon_power_month_unit_id_carbon_unit'),
    sa.PrimaryKeyConstraint('id', name='pk_carbon_power_month'),
    sa.UniqueConstraint('unit_id', 'year', 'month', 'kind', name='uq_carbon_power_month_unit_id_year_month_kind')
    )
    op.create_index('ix_carbon_power_month_unit_id', 'carbon_power_month', ['unit_id'], unique=False)
    op.create_table('carbon_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=12), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=8), nullable=True),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('factors', sa.JSON(), nullable=False),
    sa.Column('results', sa.JSON(), nullable=False),
    sa.Column('inputs', sa.JSON(), nullable=False),
    sa.Column('computed_at', sa.DateTime(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=True),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.CheckConstraint("scope IN ('unit_month', 'unit_year', 'city')", name='ck_carbon_run_scope'),
    sa.ForeignKeyConstraint(['unit_id'], ['carbon_unit.id'], name='fk_carbon_run_unit_id_carbon_unit'),
    sa.PrimaryKeyConstraint('id', name='pk_carbon_run')
    )
    op.create_index('ix_carbon_run_digest', 'carbon_run', ['digest'], unique=False)
    op.create_index('ix_carbon_run_scope', 'carbon_run', ['scope'], unique=False)
    op.create_index('ix_carbon_run_unit_id', 'carbon_run', ['unit_id'], unique=False)
    op.create_table('carbon_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=True),
    sa.Column('check_id', sa.String(length=5), nullable=False),
    sa.Column('status', sa.String(length=4), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.CheckConstraint("status IN ('pass', 'warn', 'fail', 'n/a')", name='ck_carbon_check_status'),
    sa.ForeignKeyConstraint(['run_id'], ['carbon_run.id'], name='fk_carbon_check_run_id_carbon_run', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['carbon_unit.id'], name='fk_carbon_check_unit_id_carbon_unit'),
    sa.PrimaryKeyConstraint('id', name='pk_carbon_check')
    )
    op.create_index('ix_carbon_check_run_id', 'carbon_check', ['run_id'], unique=False)
    op.create_index('ix_carbon_check_unit_id', 'carbon_check', ['unit_id'], unique=False)


def downgrade() -> None:
    op.drop_table("carbon_check")
    op.drop_table("carbon_run")
    op.drop_table("carbon_power_month")
    op.drop_table("carbon_cement_month")
    op.drop_table("carbon_annual_report")
    op.drop_table("carbon_unit")
    op.drop_table("carbon_facility")
    op.drop_table("carbon_city_gdp")
    op.drop_table("carbon_city_balance")
    op.drop_table("carbon_plan")
    op.drop_table("carbon_import_batch")
    op.drop_table("carbon_factor")
