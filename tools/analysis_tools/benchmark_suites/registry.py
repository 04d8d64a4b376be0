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
# Suite -> the config whose ``optim_wrapper`` its rows of ours train with; row -> its own
# (MMPretrain's rows: MMPretrain's config as shipped, ``mmpretrain::...``).
SUITE_OPTIM_CONFIGS: Dict[str, str] = {}
ROW_OPTIM_CONFIGS: Dict[str, str] = {}


def register_suite(name: str, reference: str, optim_config: str) -> None:
    """Declare suite ``name`` whose ratios are taken against row ``reference``; its rows
    train with the optimizer of ``optim_config`` (a config path, relative to the repository
    or ``package::path``) unless a row names its own."""
    if name in SUITE_REFERENCES and SUITE_REFERENCES[name] != reference:
        raise ValueError(f'suite {name!r} is already registered with reference '
                         f'{SUITE_REFERENCES[name]!r}')
    SUITE_REFERENCES[name] = reference
    SUITE_OPTIM_CONFIGS[name] = optim_config


def register_row(name: str,
                 suite: str = DEFAULT_SUITE,
                 reference: str = None,
                 optim_config: str = None):
    """Register ``builder(args) -> (model, make_inputs)`` for a benchmark row of ``suite``;
    ``reference`` names the row its ratios are taken against when not the suite's, and
    ``optim_config`` the config whose optimizer the row uses when not the suite's."""
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
        if optim_config is not None:
            ROW_OPTIM_CONFIGS[name] = optim_config
        return fn

    return wrap


def suite_rows(suite: str) -> List[str]:
    """Names of the rows of ``suite`` (``'all'``: every row), in registration order."""
    return [name for name in ROWS if suite == 'all' or ROW_SUITES[name] == suite]


def optim_config_of(row: str) -> str:
    """The config whose ``optim_wrapper`` row ``row`` trains with."""
    return ROW_OPTIM_CONFIGS.get(row, SUITE_OPTIM_CONFIGS[ROW_SUITES[row]])
