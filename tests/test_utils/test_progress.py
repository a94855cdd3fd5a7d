# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Progress bars: every task counted, an ETA shown, results in order from
joblib workers, nothing drawn when disabled."""
import contextlib
import io

from mmselfsup_rot.utils.progress import parallel_map, track


def _square(x):
    return x * x


def test_parallel_map_keeps_order_and_counts_every_task():
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        # one worker: joblib's generator without starting processes (the
        # SVM end-to-end tests run it on every core)
        result = parallel_map(
            _square, [(i, ) for i in range(7)], 1, desc='squares')
    assert result == [i * i for i in range(7)]
    text = out.getvalue()
    assert text.startswith('squares\n')
    assert '7/7' in text and 'ETA' in text and text.endswith('\n')


def test_track_weights_and_disabled():
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        items = list(track([0, 4, 8], 10, weight=lambda s: min(4, 10 - s)))
    assert items == [0, 4, 8]
    assert '10/10' in out.getvalue()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert parallel_map(_square, [(3, )], 1, enabled=False) == [9]
    assert out.getvalue() == ''
