"""Benchmarks: peers side by side in one run, ratios printed (``python -m benchmarks.NAME``)."""
