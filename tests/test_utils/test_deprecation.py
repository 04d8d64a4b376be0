"""Renamed arguments keep their old name working, loudly."""
import warnings

import pytest

from mixmim_mm.utils.deprecation import renamed_argument


def test_the_new_name_alone_is_silent():
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert renamed_argument('M', 'old', None, 'new', 5, 3) == 5


def test_the_old_name_gives_its_value_and_warns():
    with pytest.warns(FutureWarning, match='M: `old` is deprecated.*use `new`'):
        assert renamed_argument('M', 'old', 7, 'new', 3, 3) == 7


def test_both_names_with_different_values_are_refused():
    with pytest.raises(ValueError, match='M: got new=5 and the deprecated old=7'):
        renamed_argument('M', 'old', 7, 'new', 5, 3)
