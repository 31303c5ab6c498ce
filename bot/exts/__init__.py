"""Discord extensions, one per feature; each handler parses, calls one service, renders."""
