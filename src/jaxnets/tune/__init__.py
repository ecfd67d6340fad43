"""Populations and hyperparameter search: many models in one compiled program."""

from jaxnets.tune._population import (
    Population,
    PopulationResult,
    log_grid,
    population,
)

__all__ = [
    "Population",
    "PopulationResult",
    "log_grid",
    "population",
]
