"""Provenance of outputs: visible mark, invisible mark, C2PA content credentials, the public
check."""
