"""The web face: public server pages and the operator endpoints, over the same services."""
