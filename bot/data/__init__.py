"""Package data: reference CSVs for Danish municipalities (read via importlib.resources)."""
