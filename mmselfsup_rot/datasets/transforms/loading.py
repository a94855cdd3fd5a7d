# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""An image loader that survives the files found in real photo folders."""
import io
import math
import os
import warnings
from typing import Optional, Sequence, Tuple, Union

import cv2
import mmcv
import mmengine.fileio as fileio
import numpy as np
from mmcv.transforms import LoadImageFromFile
from mmpretrain.registry import TRANSFORMS
from PIL import Image, ImageOps, UnidentifiedImageError


class BadImageError(ValueError):
    """An image file that cannot be read or decoded, or is too small.

    Its message is one line naming the file. When raised in a dataloader
    worker, torch re-raises it in the main process with the worker's
    traceback as its message; that text is reduced to the original line
    again, so that the tools can print it alone.

    Args:
        message (str): The message.
    """

    def __init__(self, message: str = '') -> None:
        super().__init__(_worker_message(str(message)))


def _worker_message(message: str) -> str:
    """The original one-line message of an error re-raised by torch's
    DataLoader (``Caught X in DataLoader worker process N.\nOriginal
    Traceback ...\npackage.X: message``)."""
    if not message.startswith('Caught ') or '\n' not in message:
        return message
    last = [line for line in message.splitlines() if line.strip()][-1]
    name, sep, rest = last.partition(': ')
    return rest if sep and ' ' not in name else last


class ImageTooSmallError(BadImageError):
    """An image smaller than what its pipeline can crop."""


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

    - an image smaller than ``min_size`` (what the rest of the pipeline
      can crop: a 3x3 file before ``RandomCrop(crop_size=32,
      padding=2)``) is, with ``min_size_policy='skip'``, a bad file like
      the above; ``'pad'`` pads it and ``'resize'`` enlarges it (keeping
      its aspect ratio) to ``min_size`` instead. ``min_size='auto'`` is
      resolved by ``BadImageHook`` from the pipeline's crops (see
      :func:`~mmselfsup_rot.datasets.transforms.min_size.pipeline_min_size`);
      until then no size is checked.

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
        min_size (int | Sequence[int] | str, optional): Smallest usable
            image, ``(h, w)`` or one int for both; ``'auto'`` for what the
            pipeline's crops need (set by ``BadImageHook``), None for no
            check. Defaults to ``'auto'``.
        min_size_policy (str): What to do with a smaller image: ``'skip'``
            (a bad file: skipped and counted, or an error with
            ``skip_bad=False``), ``'pad'`` (pad it evenly on both sides
            with ``pad_val``) or ``'resize'`` (enlarge it, bilinearly and
            keeping its aspect ratio, until it covers ``min_size``).
            Defaults to ``'skip'``.
        pad_val (int | Sequence[int]): Pixel value of the ``'pad'``
            policy. Defaults to 0.
        backend_args (dict, optional): mmengine file backend arguments.
    """

    POLICIES = ('skip', 'pad', 'resize')

    def __init__(self,
                 to_float32: bool = False,
                 color_type: str = 'color',
                 channel_order: str = 'bgr',
                 skip_bad: bool = True,
                 bad_image_log: Optional[str] = None,
                 min_size: Union[int, Sequence[int], str, None] = 'auto',
                 min_size_policy: str = 'skip',
                 pad_val: Union[int, Sequence[int]] = 0,
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
        if min_size_policy not in self.POLICIES:
            raise ValueError(f'min_size_policy must be one of '
                             f'{self.POLICIES}, got {min_size_policy!r}.')
        self.min_size_policy = min_size_policy
        self.pad_val = pad_val
        self.min_size: Union[Tuple[int, int], str, None] = 'auto'
        self.min_size_source: Optional[str] = None
        if min_size != 'auto':
            self.set_min_size(min_size, 'min_size')

    def set_min_size(self,
                     size: Union[int, Sequence[int], None],
                     source: Optional[str] = None) -> None:
        """Set the smallest usable image size.

        Args:
            size (int | Sequence[int] | None): ``(h, w)``, one int for
                both, or None for no check.
            source (str, optional): What needs it (named in messages).
        """
        if size is None:
            self.min_size, self.min_size_source = None, None
            return
        if isinstance(size, str):
            raise ValueError("min_size must be 'auto', None, an int or "
                             f'(h, w), got {size!r}.')
        pair = (size, size) if isinstance(size, int) else tuple(size)
        if len(pair) != 2 or min(pair) < 1:
            raise ValueError('min_size must be positive (h, w), got '
                             f'{size!r}.')
        self.min_size = (int(pair[0]), int(pair[1]))
        self.min_size_source = source

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
            img = self._ensure_min_size(img)
        except BadImageError as err:
            kind = 'Unusable' if isinstance(err, ImageTooSmallError) \
                else 'Unreadable'
            return self._bad(filename, str(err), kind)
        if self.to_float32:
            img = img.astype(np.float32)
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results

    def _ensure_min_size(self, img: np.ndarray) -> np.ndarray:
        """Apply ``min_size_policy`` to an image smaller than
        ``min_size``."""
        if not isinstance(self.min_size, tuple):
            return img
        need_h, need_w = self.min_size
        height, width = img.shape[:2]
        if height >= need_h and width >= need_w:
            return img
        if self.min_size_policy == 'pad':
            pad_h, pad_w = max(need_h - height, 0), max(need_w - width, 0)
            top, left = pad_h // 2, pad_w // 2
            pad_val = self.pad_val
            if np.ndim(pad_val) == 0 and img.ndim == 3:
                # cv2 reads a scalar as (value, 0, 0)
                pad_val = (pad_val, ) * img.shape[2]
            return mmcv.impad(
                img,
                padding=(left, top, pad_w - left, pad_h - top),
                pad_val=tuple(pad_val) if np.ndim(pad_val) else pad_val)
        if self.min_size_policy == 'resize':
            scale = max(need_h / height, need_w / width)
            new_w = max(math.ceil(width * scale - 1e-6), need_w)
            new_h = max(math.ceil(height * scale - 1e-6), need_h)
            resized = cv2.resize(
                img, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
            return resized.reshape((new_h, new_w) + img.shape[2:])
        source = f' ({self.min_size_source})' if self.min_size_source \
            else ''
        raise ImageTooSmallError(f'too small: {height}x{width} px, the '
                                 f'pipeline needs at least '
                                 f'{need_h}x{need_w}{source}')

    def _bad(self,
             filename: str,
             reason: str,
             kind: str = 'Unreadable') -> None:
        """Count, log and warn about (or raise on) a bad file."""
        self.num_bad += 1
        record_bad_image(self.bad_image_log, filename, reason)
        message = f'{kind} image {filename}: {reason}'
        if not self.skip_bad:
            raise BadImageError(message)
        warnings.warn(message + ' -- skipped.', stacklevel=2)
        return None

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(to_float32={self.to_float32}, '
                f'color_type={self.color_type!r}, '
                f'channel_order={self.channel_order!r}, '
                f'skip_bad={self.skip_bad}, '
                f'min_size={self.min_size!r}, '
                f'min_size_policy={self.min_size_policy!r}, '
                f'backend_args={self.backend_args})')
