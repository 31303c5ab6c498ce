"""What services hand back: frozen snapshots of stored data, with no database attached.

Nothing here imports SQLAlchemy, db or a service, so render and workflows can use these types
without the database layer; a workflow's own results are in bot/workflows/results.py.
"""
