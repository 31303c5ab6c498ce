"""One module per use case that spans Discord and the database: the order of steps lives here."""
