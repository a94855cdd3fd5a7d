# Copyright (c) mmselfsup_rot contributors. All rights reserved.
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging.history_buffer import HistoryBuffer

import mmselfsup_rot  # noqa: F401  (registers the safe globals)


def test_mmengine_objects_load_in_safe_mode(tmp_path):
    buf = HistoryBuffer()
    buf.update(1.5)
    state = dict(
        message_hub=dict(log_scalars={'loss': buf}),
        seed=np.int64(3),
        arr=np.arange(3, dtype=np.float64),
        weights=torch.ones(2))
    path = tmp_path / 'ckpt.pth'
    torch.save(state, path)
    loaded = torch.load(path, weights_only=True)
    assert loaded['message_hub']['log_scalars']['loss'].current() == 1.5
    assert loaded['arr'].tolist() == [0.0, 1.0, 2.0]


class _Evil:

    def __reduce__(self):
        return (print, ('pwned', ))


def test_code_executing_pickle_is_refused(tmp_path):
    path = tmp_path / 'evil.pth'
    with open(path, 'wb') as f:
        pickle.dump({'state_dict': _Evil()}, f)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)


def test_getattr_is_restricted_to_history_buffer(tmp_path):
    import mmengine.logging.history_buffer as hb
    path = tmp_path / 'reach.pth'

    # a pickle reaching an attribute that is not a statistics method
    class _Reach:

        def __reduce__(self):
            return (getattr, (hb.HistoryBuffer, '__init__'))

    torch.save({'x': _Reach()}, path)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)
