"""Alembic migrations of the local store (a package so that packaging tools ship them)."""
