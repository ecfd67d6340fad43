"""Populations and hyperparameter search: many models in one compiled program."""

from jaxnets.tune._crossval import cross_validate_population
from jaxnets.tune._lr_find import LRFindResult, lr_find
from jaxnets.tune._population import (
    Population,
    PopulationResult,
    log_grid,
    population,
)
from jaxnets.tune._search import (
    Choice,
    Distribution,
    IntUniform,
    LogUniform,
    SearchResult,
    Uniform,
    bayesian_search,
    grid,
    grid_search,
    random_search,
    sample_space,
)

__all__ = [
    "Choice",
    "Distribution",
    "IntUniform",
    "LRFindResult",
    "LogUniform",
    "Population",
    "PopulationResult",
    "SearchResult",
    "Uniform",
    "bayesian_search",
    "cross_validate_population",
    "grid",
    "grid_search",
    "log_grid",
    "lr_find",
    "population",
    "random_search",
    "sample_space",
]
