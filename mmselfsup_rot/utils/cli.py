# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Errors of the command-line tools as one line instead of a traceback."""
import contextlib
from typing import Iterator, Type


@contextlib.contextmanager
def errors_as_one_line(*errors: Type[BaseException],
                       prefix: str = 'error: ') -> Iterator[None]:
    """Turn the given exceptions into ``SystemExit`` with one message line.

    The errors we raise for bad input (a dataset missing on disk, a
    checkpoint that does not fit) already say what was expected where; the
    traceback around them only hides that line.

    Args:
        *errors: The exception types to convert.
        prefix (str): Put before the message. Defaults to ``'error: '``.
    """
    try:
        yield
    except errors as err:
        raise SystemExit(f'{prefix}{err}') from None
