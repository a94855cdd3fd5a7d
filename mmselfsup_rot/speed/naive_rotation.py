# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""The loader-side rotation of mmselfsup 1.x, kept as a speed baseline.

mmselfsup 1.x made the four copies of every image inside the data loader
with ``mmcv.imrotate`` (an interpolated ``cv2.warpAffine``, clockwise) and
packed them as four images per sample, so the loader collates, pins and
ships four times the data. This class re-implements that behaviour for
the benchmark only; the project's own paths are
:class:`~mmselfsup_rot.datasets.transforms.RotationWithLabels` (exact, in
the loader) and
:class:`~mmselfsup_rot.models.data_preprocessors.RotationDataPreprocessor`
(exact, on the device).
"""
import mmcv
import numpy as np
from mmcv.transforms import BaseTransform


class InterpolatedRotationBaseline(BaseTransform):
    """Four copies per image: 0 degrees and ``mmcv.imrotate`` by 90, 180
    and 270 degrees (clockwise, bilinear ``warpAffine``).

    Not registered: the benchmark passes the class itself as ``type``.

    **Required Keys:**

    - img

    **Modified Keys:**

    - img: a list of the four copies.

    **Added Keys:**

    - rot_label (np.ndarray): ``[0, 1, 2, 3]``.
    """

    def transform(self, results: dict) -> dict:
        img = results['img']
        results['img'] = [img] + [
            mmcv.imrotate(img, angle) for angle in (90, 180, 270)
        ]
        results['rot_label'] = np.arange(4)
        return results
