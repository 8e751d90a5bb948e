"""The store: SQLAlchemy schema, engines, migrations, change feed, audit chain."""
