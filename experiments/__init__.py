"""Experiment modules: ``python -m experiments.NAME`` (see experiments/README.md)."""
