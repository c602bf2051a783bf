"""landwaste: soil (surveys, plots, points, samples, results), solid-waste ledgers, sites, targets,
hazardous-waste manifests, alarms and ledger, tailings ponds

Revision ID: landwaste_0001
Revises:
Create Date: 2026-12-01

Base of the ``landwaste`` branch. Mirrors :mod:`qingshan.landwaste.soil.models`,
:mod:`qingshan.landwaste.waste.models` and :mod:`qingshan.landwaste.ponds.models`; constraint
names follow :data:`qingshan.store.base.NAMING`. Generators, transferors and pond operators refer
to ``src_enterprise``, created on the ``hj212`` branch: hence ``depends_on``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "landwaste_0001"
down_revision = None
branch_labels = ("landwaste",)
depends_on = ("hj212_0001",)

#: quantities in integer micro-tonnes (exact; soil-waste.md §4.3)
_MICRO_T = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table('ponds_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=500), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('rows_read', sa.Integer(), nullable=False),
    sa.Column('rows_kept', sa.Integer(), nullable=False),
    sa.Column('rows_rejected', sa.Integer(), nullable=False),
    sa.Column('errors', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ponds_import'))
    )
    op.create_table('soil_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('file_name', sa.String(length=500), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('rows_read', sa.Integer(), nullable=False),
    sa.Column('rows_kept', sa.Integer(), nullable=False),
    sa.Column('rows_rejected', sa.Integer(), nullable=False),
    sa.Column('errors', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_soil_import'))
    )
    op.create_table('soil_survey',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('standard', sa.String(length=10), nullable=False),
    sa.Column('stage', sa.String(length=10), nullable=True),
    sa.Column('demo', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.CheckConstraint("standard IN ('gb15618', 'gb36600')", name=op.f('ck_soil_survey_standard')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_soil_survey')),
    sa.UniqueConstraint('code', name=op.f('uq_soil_survey_code'))
    )
    op.create_table('waste_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('file_name', sa.String(length=500), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('rows_read', sa.Integer(), nullable=False),
    sa.Column('rows_kept', sa.Integer(), nullable=False),
    sa.Column('rows_rejected', sa.Integer(), nullable=False),
    sa.Column('errors', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waste_import'))
    )
    op.create_table('waste_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=10), nullable=False),
    sa.Column('scope_code', sa.String(length=18), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('indicator', sa.String(length=12), nullable=False),
    sa.Column('target_percent', sa.String(length=20), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=True),
    sa.CheckConstraint("indicator IN ('utilisation', 'disposal')", name=op.f('ck_waste_target_indicator')),
    sa.CheckConstraint("scope IN ('enterprise', 'county', 'city')", name=op.f('ck_waste_target_scope')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waste_target')),
    sa.UniqueConstraint('scope', 'scope_code', 'year', 'indicator', name=op.f('uq_waste_target_scope_scope_code_year_indicator'))
    )
    op.create_table('ponds_pond',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('county_code', sa.String(length=6), nullable=False),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('operator_name', sa.String(length=200), nullable=True),
    sa.Column('operator_uscc', sa.String(length=18), nullable=True),
    sa.Column('enterprise_id', sa.Integer(), nullable=True),
    sa.Column('ore_type', sa.String(length=60), nullable=True),
    sa.Column('tailings_property', sa.String(length=20), nullable=True),
    sa.Column('design_capacity_m3', sa.String(length=30), nullable=True),
    sa.Column('current_capacity_m3', sa.String(length=30), nullable=True),
    sa.Column('dam_height_m', sa.String(length=20), nullable=True),
    sa.Column('status', sa.String(length=4), nullable=False),
    sa.Column('built_on', sa.Date(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('eia_approval', sa.String(length=200), nullable=True),
    sa.Column('eia_acceptance', sa.String(length=200), nullable=True),
    sa.Column('permit_no', sa.String(length=100), nullable=True),
    sa.Column('closure_documents', sa.Text(), nullable=True),
    sa.Column('facilities', sa.Text(), nullable=True),
    sa.Column('downstream_receptors', sa.Text(), nullable=True),
    sa.Column('discharges', sa.Boolean(), nullable=False),
    sa.Column('discharge_months', sa.String(length=40), nullable=True),
    sa.Column('toxic_discharge', sa.Boolean(), nullable=False),
    sa.Column('hj740_level', sa.String(length=20), nullable=True),
    sa.Column('hj740_assessed_on', sa.Date(), nullable=True),
    sa.Column('emergency_plan_filing', sa.String(length=100), nullable=True),
    sa.Column('emergency_plan_revised_on', sa.Date(), nullable=True),
    sa.Column('grade_review_required', sa.Boolean(), nullable=False),
    sa.Column('review_reasons', sa.Text(), nullable=True),
    sa.Column('demo', sa.Boolean(), nullable=False),
    sa.CheckConstraint("status IN ('在用', '停用', '闭库')", name=op.f('ck_ponds_pond_status')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['src_enterprise.id'], name=op.f('fk_ponds_pond_enterprise_id_src_enterprise')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ponds_pond')),
    sa.UniqueConstraint('code', name=op.f('uq_ponds_pond_code'))
    )
    op.create_table('soil_plot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('county_code', sa.String(length=6), nullable=True),
    sa.Column('background_values', sa.Text(), nullable=True),
    sa.Column('background_source', sa.String(length=300), nullable=True),
    sa.Column('unit_class', sa.String(length=20), nullable=True),
    sa.Column('demo', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['soil_survey.id'], name=op.f('fk_soil_plot_survey_id_soil_survey')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_soil_plot')),
    sa.UniqueConstraint('code', name=op.f('uq_soil_plot_code'))
    )
    op.create_table('waste_hw_ledger',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('entry_on', sa.Date(), nullable=False),
    sa.Column('waste_code', sa.String(length=10), nullable=False),
    sa.Column('action', sa.String(length=15), nullable=False),
    sa.Column('quantity', _MICRO_T, nullable=False),
    sa.Column('container_code', sa.String(length=60), nullable=False),
    sa.Column('facility_code', sa.String(length=60), nullable=True),
    sa.Column('manifest_number', sa.String(length=14), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("action IN ('generate', 'store_in', 'store_out', 'transfer_out', 'self_utilise', 'self_dispose')", name=op.f('ck_waste_hw_ledger_action')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['src_enterprise.id'], name=op.f('fk_waste_hw_ledger_enterprise_id_src_enterprise')),
    sa.ForeignKeyConstraint(['import_id'], ['waste_import.id'], name=op.f('fk_waste_hw_ledger_import_id_waste_import')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waste_hw_ledger')),
    sa.UniqueConstraint('enterprise_id', 'entry_on', 'waste_code', 'action', 'container_code', name=op.f('uq_waste_hw_ledger_enterprise_id_entry_on_waste_code_action_container_code'))
    )
    op.create_table('waste_hw_manifest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=14), nullable=False),
    sa.Column('transferor_id', sa.Integer(), nullable=False),
    sa.Column('receiver_name', sa.String(length=200), nullable=False),
    sa.Column('receiver_licence', sa.String(length=100), nullable=True),
    sa.Column('receiver_region', sa.String(length=6), nullable=True),
    sa.Column('carrier_name', sa.String(length=200), nullable=True),
    sa.Column('waste_code', sa.String(length=10), nullable=False),
    sa.Column('waste_name', sa.String(length=100), nullable=True),
    sa.Column('quantity', _MICRO_T, nullable=False),
    sa.Column('accepted_quantity', _MICRO_T, nullable=True),
    sa.Column('state', sa.String(length=30), nullable=False),
    sa.Column('paper', sa.Boolean(), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('dispatched_on', sa.Date(), nullable=True),
    sa.Column('received_on', sa.Date(), nullable=True),
    sa.Column('confirmed_on', sa.Date(), nullable=True),
    sa.Column('transfer_end', sa.Date(), nullable=True),
    sa.Column('backfilled_on', sa.Date(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('demo', sa.Boolean(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['import_id'], ['waste_import.id'], name=op.f('fk_waste_hw_manifest_import_id_waste_import')),
    sa.ForeignKeyConstraint(['transferor_id'], ['src_enterprise.id'], name=op.f('fk_waste_hw_manifest_transferor_id_src_enterprise')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waste_hw_manifest')),
    sa.UniqueConstraint('number', name=op.f('uq_waste_hw_manifest_number'))
    )
    op.create_table('waste_monthly',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('waste_code', sa.String(length=11), nullable=False),
    sa.Column('category', sa.String(length=3), nullable=False),
    sa.Column('waste_name', sa.String(length=100), nullable=True),
    sa.Column('generated', _MICRO_T, nullable=False),
    sa.Column('utilised_self', _MICRO_T, nullable=False),
    sa.Column('utilised_outsourced', _MICRO_T, nullable=False),
    sa.Column('utilised_prior', _MICRO_T, nullable=False),
    sa.Column('disposed_self', _MICRO_T, nullable=False),
    sa.Column('disposed_outsourced', _MICRO_T, nullable=False),
    sa.Column('disposed_prior', _MICRO_T, nullable=False),
    sa.Column('stored', _MICRO_T, nullable=False),
    sa.Column('dumped', _MICRO_T, nullable=False),
    sa.Column('opening_stock', _MICRO_T, nullable=False),
    sa.Column('closing_stock', _MICRO_T, nullable=True),
    sa.Column('residual', _MICRO_T, nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('problems', sa.Text(), nullable=False),
    sa.Column('dumping', sa.Boolean(), nullable=False),
    sa.Column('source_row', sa.Integer(), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('accepted', 'rejected')", name=op.f('ck_waste_monthly_status')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['src_enterprise.id'], name=op.f('fk_waste_monthly_enterprise_id_src_enterprise')),
    sa.ForeignKeyConstraint(['import_id'], ['waste_import.id'], name=op.f('fk_waste_monthly_import_id_waste_import')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waste_monthly')),
    sa.UniqueConstraint('enterprise_id', 'month', 'waste_code', name=op.f('uq_waste_monthly_enterprise_id_month_waste_code'))
    )
    op.create_table('waste_site',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('gb18599_class', sa.String(length=2), nullable=False),
    sa.Column('county_code', sa.String(length=6), nullable=True),
    sa.Column('enterprise_id', sa.Integer(), nullable=True),
    sa.Column('waste_codes', sa.String(length=300), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=True),
    sa.Column('stopped_on', sa.Date(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('demo', sa.Boolean(), nullable=False),
    sa.CheckConstraint("gb18599_class IN ('I', 'II')", name=op.f('ck_waste_site_gb18599_class')),
    sa.CheckConstraint("kind IN ('storage', 'landfill')", name=op.f('ck_waste_site_kind')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['src_enterprise.id'], name=op.f('fk_waste_site_enterprise_id_src_enterprise')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waste_site')),
    sa.UniqueConstraint('code', name=op.f('uq_waste_site_code'))
    )
    op.create_table('ponds_grade',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pond_id', sa.Integer(), nullable=False),
    sa.Column('grade', sa.Integer(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('list_year', sa.Integer(), nullable=True),
    sa.Column('document', sa.String(length=200), nullable=True),
    sa.CheckConstraint('grade IN (1, 2, 3)', name=op.f('ck_ponds_grade_grade')),
    sa.ForeignKeyConstraint(['pond_id'], ['ponds_pond.id'], name=op.f('fk_ponds_grade_pond_id_ponds_pond'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ponds_grade')),
    sa.UniqueConstraint('pond_id', 'valid_from', name=op.f('uq_ponds_grade_pond_id_valid_from'))
    )
    op.create_table('ponds_monitoring',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pond_id', sa.Integer(), nullable=False),
    sa.Column('medium', sa.String(length=12), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('compliant', sa.Boolean(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.CheckConstraint("medium IN ('leachate', 'groundwater')", name=op.f('ck_ponds_monitoring_medium')),
    sa.ForeignKeyConstraint(['pond_id'], ['ponds_pond.id'], name=op.f('fk_ponds_monitoring_pond_id_ponds_pond'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ponds_monitoring')),
    sa.UniqueConstraint('pond_id', 'medium', 'month', name=op.f('uq_ponds_monitoring_pond_id_medium_month'))
    )
    op.create_table('ponds_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pond_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=25), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=False),
    sa.Column('by_unit', sa.String(length=200), nullable=True),
    sa.Column('findings', sa.Text(), nullable=True),
    sa.Column('hazards_found', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('city_check', 'operator_inspection', 'annual_report', 'discharge_monitoring', 'receiving_water')", name=op.f('ck_ponds_record_kind')),
    sa.ForeignKeyConstraint(['pond_id'], ['ponds_pond.id'], name=op.f('fk_ponds_record_pond_id_ponds_pond'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ponds_record')),
    sa.UniqueConstraint('pond_id', 'kind', 'done_on', name=op.f('uq_ponds_record_pond_id_kind_done_on'))
    )
    op.create_table('ponds_responsible',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pond_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=40), nullable=False),
    sa.Column('unit_name', sa.String(length=200), nullable=False),
    sa.Column('person', sa.String(length=50), nullable=True),
    sa.ForeignKeyConstraint(['pond_id'], ['ponds_pond.id'], name=op.f('fk_ponds_responsible_pond_id_ponds_pond'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ponds_responsible')),
    sa.UniqueConstraint('pond_id', 'role', name=op.f('uq_ponds_responsible_pond_id_role'))
    )
    op.create_table('soil_point',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('plot_id', sa.Integer(), nullable=True),
    sa.Column('land_use', sa.String(length=20), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('county_code', sa.String(length=6), nullable=True),
    sa.Column('demo', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['plot_id'], ['soil_plot.id'], name=op.f('fk_soil_point_plot_id_soil_plot')),
    sa.ForeignKeyConstraint(['survey_id'], ['soil_survey.id'], name=op.f('fk_soil_point_survey_id_soil_survey')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_soil_point')),
    sa.UniqueConstraint('code', name=op.f('uq_soil_point_code'))
    )
    op.create_table('waste_hw_alarm',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('manifest_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('due', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('resolved_on', sa.Date(), nullable=True),
    sa.Column('calendar_version', sa.String(length=60), nullable=True),
    sa.Column('calendar_status', sa.String(length=20), nullable=True),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('ledger_item_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('open', 'resolved')", name=op.f('ck_waste_hw_alarm_status')),
    sa.ForeignKeyConstraint(['manifest_id'], ['waste_hw_manifest.id'], name=op.f('fk_waste_hw_alarm_manifest_id_waste_hw_manifest'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waste_hw_alarm')),
    sa.UniqueConstraint('manifest_id', 'kind', name=op.f('uq_waste_hw_alarm_manifest_id_kind'))
    )
    op.create_table('waste_hw_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('manifest_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=30), nullable=False),
    sa.Column('from_state', sa.String(length=30), nullable=False),
    sa.Column('to_state', sa.String(length=30), nullable=False),
    sa.Column('event_on', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['manifest_id'], ['waste_hw_manifest.id'], name=op.f('fk_waste_hw_event_manifest_id_waste_hw_manifest'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waste_hw_event'))
    )
    op.create_table('waste_receiver',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('monthly_id', sa.Integer(), nullable=False),
    sa.Column('flow', sa.String(length=8), nullable=False),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('receiver_name', sa.String(length=200), nullable=False),
    sa.Column('receiver_uscc', sa.String(length=18), nullable=True),
    sa.Column('method', sa.String(length=100), nullable=True),
    sa.Column('quantity', _MICRO_T, nullable=False),
    sa.Column('approval_no', sa.String(length=100), nullable=True),
    sa.CheckConstraint("flow IN ('utilise', 'dispose')", name=op.f('ck_waste_receiver_flow')),
    sa.CheckConstraint("mode IN ('self', 'outsourced')", name=op.f('ck_waste_receiver_mode')),
    sa.ForeignKeyConstraint(['monthly_id'], ['waste_monthly.id'], name=op.f('fk_waste_receiver_monthly_id_waste_monthly'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waste_receiver'))
    )
    op.create_table('soil_sample',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('point_id', sa.Integer(), nullable=False),
    sa.Column('sampled_on', sa.Date(), nullable=True),
    sa.Column('depth', sa.String(length=40), nullable=True),
    sa.Column('ph_text', sa.String(length=20), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['import_id'], ['soil_import.id'], name=op.f('fk_soil_sample_import_id_soil_import')),
    sa.ForeignKeyConstraint(['point_id'], ['soil_point.id'], name=op.f('fk_soil_sample_point_id_soil_point')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_soil_sample')),
    sa.UniqueConstraint('code', name=op.f('uq_soil_sample_code'))
    )
    op.create_table('soil_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sample_id', sa.Integer(), nullable=False),
    sa.Column('item_key', sa.String(length=60), nullable=False),
    sa.Column('item_text', sa.String(length=100), nullable=False),
    sa.Column('value_text', sa.String(length=40), nullable=False),
    sa.Column('unit_text', sa.String(length=20), nullable=False),
    sa.Column('detection_limit_text', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['sample_id'], ['soil_sample.id'], name=op.f('fk_soil_result_sample_id_soil_sample'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_soil_result')),
    sa.UniqueConstraint('sample_id', 'item_key', name=op.f('uq_soil_result_sample_id_item_key'))
    )


def downgrade() -> None:
    op.drop_table('soil_result')
    op.drop_table('soil_sample')
    op.drop_table('waste_receiver')
    op.drop_table('waste_hw_event')
    op.drop_table('waste_hw_alarm')
    op.drop_table('soil_point')
    op.drop_table('ponds_responsible')
    op.drop_table('ponds_record')
    op.drop_table('ponds_monitoring')
    op.drop_table('ponds_grade')
    op.drop_table('waste_site')
    op.drop_table('waste_monthly')
    op.drop_table('waste_hw_manifest')
    op.drop_table('waste_hw_ledger')
    op.drop_table('soil_plot')
    op.drop_table('ponds_pond')
    op.drop_table('waste_target')
    op.drop_table('waste_import')
    op.drop_table('soil_survey')
    op.drop_table('soil_import')
    op.drop_table('ponds_import')
