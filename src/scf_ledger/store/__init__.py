"""The read model: SQLAlchemy 2 tables kept equal to the chain by the event indexer."""
