"""Benchmarks: each module runs with ``python -m bench.<name>`` and prints a table.

They are measurements, not tests: pytest does not collect them and they exit 0 when a target is
missed (the table says so).
"""
