"""Storage: models, query functions grouped by area, migrations.

Query functions take a session and never commit: the caller owns the transaction.
"""
