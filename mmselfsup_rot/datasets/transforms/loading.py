# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""An image loader that survives the files found in real photo folders."""
import io
import os
import warnings
from typing import Optional

import cv2
import mmengine.fileio as fileio
import numpy as np
from mmcv.transforms import LoadImageFromFile
from mmpretrain.registry import TRANSFORMS
from PIL import Image, ImageOps, UnidentifiedImageError


class BadImageError(ValueError):
    """An image file that cannot be read or decoded."""


def _to_uint8(arr: np.ndarray) -> np.ndarray:
    """Scale 16-bit, 32-bit integer or float pixels to 8 bits."""
    if arr.dtype == np.uint8:
        return arr
    if arr.dtype.kind == 'f':
        scale = 255.0 if arr.size and float(np.nanmax(arr)) <= 1.0 else 1.0
        return np.clip(np.nan_to_num(arr) * scale, 0, 255).astype(np.uint8)
    # PNG and TIFF hold 8 or 16 bits per sample; PIL gives 16-bit greyscale
    # as mode 'I;16' (uint16) or 'I' (int32 with 16-bit values).
    return np.clip(np.rint(arr.astype(np.float64) / 257.0), 0,
                   255).astype(np.uint8)


def _pil_to_rgb(img: Image.Image) -> np.ndarray:
    """Any PIL image (1, L, LA, P, RGBA, CMYK, YCbCr, I;16, I, F ...) as an
    ``(H, W, 3)`` uint8 RGB array."""
    if img.mode in ('I', 'F') or img.mode.startswith('I;16'):
        grey = _to_uint8(np.asarray(img))
        return np.repeat(grey[..., None], 3, axis=2)
    if img.mode == 'P' and 'transparency' in img.info:
        img = img.convert('RGBA')  # palette transparency must go via RGBA
    if img.mode in ('RGBA', 'LA', 'PA', 'RGBa', 'La'):
        # Transparent pixels keep their colour, as cv2.imread does; the
        # alpha channel is dropped.
        img = img.convert('RGBA')
        return np.ascontiguousarray(np.asarray(img)[..., :3])
    return np.asarray(img.convert('RGB'))


def decode_image(content: bytes,
                 color_type: str = 'color',
                 channel_order: str = 'bgr') -> np.ndarray:
    """Decode image bytes of any common format and mode.

    Pillow decodes strictly (a truncated JPEG or PNG is an error, not a
    half-grey image as with OpenCV), and OpenCV is the fallback for formats
    Pillow does not know. EXIF orientation is applied, as ``cv2.imread``
    does.

    Args:
        content (bytes): The file content.
        color_type (str): ``'color'`` for ``(H, W, 3)`` or ``'grayscale'``
            for ``(H, W)``.
        channel_order (str): ``'bgr'`` (mmcv's default) or ``'rgb'``.

    Returns:
        np.ndarray: uint8 image.

    Raises:
        BadImageError: If the bytes are empty or not a decodable image.
    """
    if not content:
        raise BadImageError('empty file (0 bytes)')
    try:
        with Image.open(io.BytesIO(content)) as img:
            img.load()  # decode now so truncation is detected here
            img = ImageOps.exif_transpose(img)
            rgb = _pil_to_rgb(img)
    except UnidentifiedImageError:
        rgb = _decode_with_cv2(content)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError,
            EOFError) as err:
        raise BadImageError(f'{type(err).__name__}: {err}') from None
    if color_type == 'grayscale':
        return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    return np.ascontiguousarray(rgb[..., ::-1]) if channel_order == 'bgr' \
        else rgb


def _decode_with_cv2(content: bytes) -> np.ndarray:
    """Decode what Pillow cannot identify into RGB uint8."""
    arr = cv2.imdecode(
        np.frombuffer(content, np.uint8),
        cv2.IMREAD_ANYDEPTH | cv2.IMREAD_ANYCOLOR)
    if arr is None or arr.size == 0:
        raise BadImageError('not a known image format')
    arr = _to_uint8(arr)
    if arr.ndim == 2:
        return cv2.cvtColor(arr, cv2.COLOR_GRAY2RGB)
    code = cv2.COLOR_BGRA2RGB if arr.shape[2] == 4 else cv2.COLOR_BGR2RGB
    return cv2.cvtColor(arr, code)


def record_bad_image(log_file: Optional[str], path: str, reason: str) -> None:
    """Append ``path<TAB>reason`` to ``log_file``.

    Dataloader workers are separate processes, so counts are kept in a file
    that all of them append to: one ``O_APPEND`` write per line keeps lines
    whole across processes on a local file system.
    """
    if not log_file:
        return
    line = f'{path}\t{reason}'.replace('\n', ' ') + '\n'
    fd = os.open(log_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode('utf-8', 'replace'))
    finally:
        os.close(fd)


@TRANSFORMS.register_module()
class RobustLoadImageFromFile(LoadImageFromFile):
    """Load an image from file, converting odd formats and skipping files
    that cannot be read.

    A drop-in replacement of mmcv's ``LoadImageFromFile``:

    - greyscale, palette, RGBA/LA, CMYK, 16-bit and float images become
      3-channel 8-bit images (BGR by default, like mmcv);
    - a missing, empty, corrupt or truncated file is reported with a
      warning naming it; with ``skip_bad=True`` the transform returns
      ``None`` so that mmengine's ``BaseDataset`` draws another sample
      (training datasets only: test-mode datasets refuse ``None``),
      otherwise it raises a one-line :class:`BadImageError`.

    Bad files are counted per process in ``num_bad`` and, when
    ``bad_image_log`` is set (``BadImageHook`` sets it to a file in the
    work directory), appended to that file so the hook can count them over
    all dataloader workers and fail the run above a threshold.

    **Required Keys:**

    - img_path

    **Modified Keys:**

    - img
    - img_shape
    - ori_shape

    Args:
        to_float32 (bool): Return a float32 image. Defaults to False.
        color_type (str): ``'color'`` or ``'grayscale'``.
            Defaults to ``'color'``.
        channel_order (str): ``'bgr'`` or ``'rgb'``. Defaults to ``'bgr'``.
        skip_bad (bool): Skip unreadable files (return ``None``) instead of
            raising. Defaults to True.
        bad_image_log (str, optional): File to append bad files to.
        backend_args (dict, optional): mmengine file backend arguments.
    """

    def __init__(self,
                 to_float32: bool = False,
                 color_type: str = 'color',
                 channel_order: str = 'bgr',
                 skip_bad: bool = True,
                 bad_image_log: Optional[str] = None,
                 *,
                 backend_args: Optional[dict] = None) -> None:
        if color_type not in ('color', 'grayscale'):
            raise ValueError("color_type must be 'color' or 'grayscale', "
                             f'got {color_type!r}.')
        if channel_order not in ('bgr', 'rgb'):
            raise ValueError("channel_order must be 'bgr' or 'rgb', got "
                             f'{channel_order!r}.')
        super().__init__(
            to_float32=to_float32,
            color_type=color_type,
            ignore_empty=skip_bad,
            backend_args=backend_args)
        self.channel_order = channel_order
        self.skip_bad = skip_bad
        self.bad_image_log = bad_image_log
        self.num_bad = 0

    def transform(self, results: dict) -> Optional[dict]:
        """Load ``results['img_path']``.

        Args:
            results (dict): Result dict with ``img_path``.

        Returns:
            dict | None: The results with the image, or None for a bad
            file when ``skip_bad``.
        """
        filename = results['img_path']
        try:
            try:
                content = fileio.get(filename, backend_args=self.backend_args)
            except (OSError, ValueError) as err:
                raise BadImageError(f'cannot read: {err}') from None
            img = decode_image(content, self.color_type, self.channel_order)
        except BadImageError as err:
            return self._bad(filename, str(err))
        if self.to_float32:
            img = img.astype(np.float32)
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results

    def _bad(self, filename: str, reason: str) -> None:
        """Count, log and warn about (or raise on) a bad file."""
        self.num_bad += 1
        record_bad_image(self.bad_image_log, filename, reason)
        message = f'Unreadable image {filename}: {reason}'
        if not self.skip_bad:
            raise BadImageError(message)
        warnings.warn(message + ' -- skipped.', stacklevel=2)
        return None

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(to_float32={self.to_float32}, '
                f'color_type={self.color_type!r}, '
                f'channel_order={self.channel_order!r}, '
                f'skip_bad={self.skip_bad}, '
                f'backend_args={self.backend_args})')
