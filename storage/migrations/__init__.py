"""Alembic migrations of the store (applied by ``storage.migrate``)."""
