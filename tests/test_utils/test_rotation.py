# Copyright (c) mmselfsup_rot contributors. All rights reserved.
import numpy as np
import pytest
import torch

from mmselfsup_rot.utils.rotation import (ROTATION_SETS, inscribed_square_side,
                                          parse_angles, quarter_turns,
                                          rot90_image, rot90_tensor,
                                          rotate_image)

GRID = np.array([[1, 2], [3, 4]], dtype=np.uint8)


def test_counter_clockwise_convention():
    # 90 degrees CCW moves the top-right pixel to the top-left.
    assert rot90_image(GRID, 90).tolist() == [[2, 4], [1, 3]]
    assert rot90_image(GRID, 180).tolist() == [[4, 3], [2, 1]]
    assert rot90_image(GRID, 270).tolist() == [[3, 1], [4, 2]]
    assert rot90_image(GRID, 0).tolist() == GRID.tolist()
    # the original RotNet code: 90 = flipud(transpose(img))
    assert (rot90_image(GRID, 90) == np.flipud(GRID.T)).all()


def test_clockwise_swaps_labels_1_and_3():
    assert (rot90_image(GRID, 90, clockwise=True) == rot90_image(GRID,
                                                                 270)).all()
    assert (rot90_image(GRID, 270, clockwise=True) == rot90_image(GRID,
                                                                  90)).all()
    assert quarter_turns(90, clockwise=True) == 3


@pytest.mark.parametrize('angle', [0, 90, 180, 270])
def test_right_angles_are_pixel_permutations(angle):
    rng = np.random.default_rng(0)
    img = rng.permutation(7 * 7 * 3).reshape(7, 7, 3).astype(np.int32)
    out = rot90_image(img, angle)
    assert out.flags.c_contiguous
    assert sorted(out.ravel()) == sorted(img.ravel())
    # rotating back restores every pixel exactly
    back = rot90_image(out, (360 - angle) % 360)
    assert (back == img).all()


@pytest.mark.parametrize('angle', [0, 90, 180, 270])
@pytest.mark.parametrize('clockwise', [False, True])
def test_tensor_and_numpy_paths_agree(angle, clockwise):
    img = np.random.default_rng(1).integers(0, 255, (5, 5, 3))
    expected = rot90_image(img, angle, clockwise).transpose(2, 0, 1)
    chw = torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))
    assert torch.equal(
        rot90_tensor(chw, angle, clockwise), torch.from_numpy(expected))


def test_parse_angles():
    assert parse_angles('four') == (0, 90, 180, 270)
    assert parse_angles([0, 180]) == ROTATION_SETS['two_0_180']
    assert len(parse_angles('eight')) == 8
    for bad in ('five', [0, 30], [0, 0], [], [360]):
        with pytest.raises(ValueError, match='otation'):
            parse_angles(bad)


def test_inscribed_square():
    assert inscribed_square_side(100, 100, 0) == 100
    assert inscribed_square_side(100, 100, 45) == 70
    assert inscribed_square_side(100, 60, 90) == 60


def test_45_degrees_has_no_black_corners():
    img = np.full((64, 64, 3), 200, dtype=np.uint8)
    for angle in ROTATION_SETS['eight']:
        out = rotate_image(img, angle, crop_for=ROTATION_SETS['eight'])
        assert out.shape == img.shape
        # a constant image stays constant: no border pixels entered
        assert out.min() == 200 and out.max() == 200


def test_45_degree_rotation_direction():
    # a bright dot right of the centre goes up-right under 45 degrees CCW
    img = np.zeros((65, 65), dtype=np.uint8)
    img[32, 52] = 255
    out = rotate_image(img, 45, crop_for=(0, 45))
    ys, xs = np.nonzero(out > 30)
    assert ys.mean() < 32 and xs.mean() > 32


def test_non_square_45_raises():
    with pytest.raises(ValueError, match='square'):
        rotate_image(np.zeros((4, 6, 3), np.uint8), 45, crop_for=(0, 45))
