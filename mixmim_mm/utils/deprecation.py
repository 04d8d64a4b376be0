"""Renamed arguments: an old config key keeps working, loudly, until it is removed."""
import warnings
from typing import Any


def renamed_argument(owner: str, old_name: str, old_value: Any, new_name: str, new_value: Any,
                     new_default: Any) -> Any:
    """The value of ``new_name`` given either name; the old one warns.

    ``old_value`` is None when the old name was not given. A ``FutureWarning`` (shown to end
    users by default, unlike ``DeprecationWarning``) names both keys; giving both names with
    different values is refused.

    Args:
        owner (str): The class, named in the messages.
        old_name (str): The deprecated key.
        old_value: Its value, None when not given.
        new_name (str): The key to use.
        new_value: Its value.
        new_default: The default of ``new_name`` (a value equal to it counts as not given).
    """
    if old_value is None:
        return new_value
    if new_value != new_default and new_value != old_value:
        raise ValueError(f'{owner}: got {new_name}={new_value!r} and the deprecated '
                         f'{old_name}={old_value!r}; give only {new_name}')
    warnings.warn(
        f'{owner}: `{old_name}` is deprecated and will be removed; use `{new_name}` '
        f'(same meaning and unit)',
        FutureWarning,
        stacklevel=3)
    return old_value
