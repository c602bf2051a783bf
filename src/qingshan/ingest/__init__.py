"""Importers: CNEMC station files, bureaus' long CSV/Excel sheets, the station registry."""
