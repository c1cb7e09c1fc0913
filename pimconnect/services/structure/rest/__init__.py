"""The catalog structure as the REST API reads and writes it (reference §5)."""
