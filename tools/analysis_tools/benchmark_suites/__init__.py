"""Rows of ``benchmark_pretrain.py``, one module per suite.

Every module of this package is imported on import, so a new suite is a new file that
calls :func:`register_suite` once and decorates its row builders with :func:`register_row`;
nothing else needs editing.
"""
import importlib
import pkgutil

from .registry import (DEFAULT_SUITE, ROW_REFERENCES, ROW_SUITES, ROWS, SUITE_REFERENCES,
                       optim_config_of, register_row, register_suite, suite_rows)

__all__ = [
    'DEFAULT_SUITE', 'ROW_REFERENCES', 'ROW_SUITES', 'ROWS', 'SUITE_REFERENCES', 'optim_config_of',
    'register_row', 'register_suite', 'suite_rows'
]

# Registration order = order of the rows in a suite; the default suite comes first.
for _module in sorted(
        pkgutil.iter_modules(__path__), key=lambda m: (m.name != DEFAULT_SUITE, m.name)):
    if _module.name != 'registry' and not _module.name.startswith('_'):
        importlib.import_module(f'{__name__}.{_module.name}')
