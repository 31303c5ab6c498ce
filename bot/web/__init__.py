"""The web face: the HTTP server, the operator endpoints and the public server pages."""
