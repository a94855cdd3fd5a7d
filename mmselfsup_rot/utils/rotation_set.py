# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""The rotation set's errors and checks, for the model and the hooks.

A ``RotationPred`` config states ``angles`` and ``clockwise`` once, in
``model``; the model's preprocessor and head follow it, and the loader-side
parts and the rotation metric are filled from it before the runner is built
(:mod:`mmselfsup_rot.engine.rotation_set_config`). A part that states a
different set is refused with one line (:class:`RotationSetError`). This
module imports nothing of the package above ``utils``, so the model can use
it.
"""
from typing import Any, Optional, Sequence


class RotationSetError(ValueError):
    """Two parts of a config state different rotation sets."""


def rotation_set_mismatch(what: str,
                          model_value: Any,
                          other: str,
                          other_value: Any,
                          model_note: str = '',
                          other_key: Optional[str] = None) -> RotationSetError:
    """The one-line error for a part that disagrees with its model.

    Args:
        what (str): ``'angles'`` or ``'clockwise'``.
        model_value: The model's value.
        other (str): Where the other value is stated, e.g.
            ``'RotationAccuracy'``.
        other_value: The other value.
        model_note (str): Said after the model's value, e.g.
            ``' (4 classes)'``. Defaults to ''.
        other_key (str, optional): How the other value is named when it is
            not ``'<other> <what>'``, e.g. ``'head.num_classes'``.

    Returns:
        RotationSetError: To raise.
    """
    other_key = other_key or f'{other} {what}'
    return RotationSetError(
        f'rotation set mismatch: model {what} {model_value}{model_note} vs '
        f'{other_key} {other_value}; state the set once in model.{what}')


def check_rotation_set(part: Any, angles: Sequence[int], clockwise: bool,
                       name: str) -> None:
    """Refuse a built part whose rotation set differs from its model's.

    Args:
        part: A preprocessor, transform or metric with ``angles`` (and
            ``clockwise`` where it rotates).
        angles (Sequence[int]): The model's angles.
        clockwise (bool): The model's direction.
        name (str): Where the part is, for the message.
    """
    for what, value in (('angles', tuple(angles)), ('clockwise',
                                                    bool(clockwise))):
        if hasattr(part, what) and getattr(part, what) != value:
            raise rotation_set_mismatch(what, value, name, getattr(part, what))
