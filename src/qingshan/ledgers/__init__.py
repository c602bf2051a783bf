"""Accountability ledgers: one workflow engine for key tasks, inspection problems, risk hazards and public complaints."""
