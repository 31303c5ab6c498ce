"""Pure rules of Called It: no discord, no sqlalchemy, no I/O."""
