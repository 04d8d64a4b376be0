"""Where benchmark suites and their rows are registered."""
from typing import Callable, Dict, List

DEFAULT_SUITE = 'mixmae'
# Suite -> the row its ratios are taken against.
SUITE_REFERENCES: Dict[str, str] = {}
# Row -> ``builder(args) -> (model, make_inputs)``; ``make_inputs() -> (images, data_samples)``.
ROWS: Dict[str, Callable] = {}
ROW_SUITES: Dict[str, str] = {}
# Row -> its own reference row, where it is not the suite's (e.g. one per encoder).
ROW_REFERENCES: Dict[str, str] = {}


def register_suite(name: str, reference: str) -> None:
    """Declare suite ``name`` whose ratios are taken against row ``reference``."""
    if name in SUITE_REFERENCES and SUITE_REFERENCES[name] != reference:
        raise ValueError(f'suite {name!r} is already registered with reference '
                         f'{SUITE_REFERENCES[name]!r}')
    SUITE_REFERENCES[name] = reference


def register_row(name: str, suite: str = DEFAULT_SUITE, reference: str = None):
    """Register ``builder(args) -> (model, make_inputs)`` for a benchmark row of ``suite``;
    ``reference`` names the row its ratios are taken against when not the suite's."""
    if suite not in SUITE_REFERENCES:
        raise ValueError(f'unknown suite {suite!r}; register it first (known: '
                         f'{list(SUITE_REFERENCES)})')
    if name in ROWS:
        raise ValueError(f'benchmark row {name!r} is registered twice')

    def wrap(fn):
        ROWS[name] = fn
        ROW_SUITES[name] = suite
        if reference is not None:
            ROW_REFERENCES[name] = reference
        return fn

    return wrap


def suite_rows(suite: str) -> List[str]:
    """Names of the rows of ``suite`` (``'all'``: every row), in registration order."""
    return [name for name in ROWS if suite == 'all' or ROW_SUITES[name] == suite]
