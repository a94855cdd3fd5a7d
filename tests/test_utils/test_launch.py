# Copyright (c) mmselfsup_rot contributors. All rights reserved.
import torch.distributed as dist

from mmselfsup_rot.utils.launch import free_port, leave_process_group


def test_leave_process_group_destroys_the_group():
    dist.init_process_group(
        backend='gloo',
        init_method=f'tcp://127.0.0.1:{free_port()}',
        rank=0,
        world_size=1)
    try:
        assert dist.is_initialized()
        leave_process_group()
        assert not dist.is_initialized()
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()


def test_leave_process_group_without_a_group_is_a_no_op():
    assert not dist.is_initialized()
    leave_process_group()
    assert not dist.is_initialized()
