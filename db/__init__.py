"""Database layer of Called It: models, sessions and migrations."""
