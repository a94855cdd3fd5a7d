# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Export a ResNet backbone as a torchvision ``resnet<depth>`` state dict.

CKPT is this project's checkpoint (RotationPred or backbone-only), an
mmselfsup 1.x rotation-pred checkpoint or anything else the benchmarks
read; the depth comes from the weights. The classifier ``fc.*`` is not
written (rotation pretraining does not train one). In plain PyTorch::

    model = torchvision.models.resnet50()
    model.fc = torch.nn.Identity()
    model.load_state_dict(torch.load(OUT), strict=True)

Example:
    python tools/model_converters/export_torchvision.py \
        work_dirs/rotation-pred_resnet50_8xb16-steplr-70e_in1k/epoch_70.pth \
        rotnet_resnet50_torchvision.pth
"""
import argparse

from mmselfsup_rot.model_zoo.torchvision_export import export_torchvision
from mmselfsup_rot.utils.checkpoint import CheckpointError
from mmselfsup_rot.utils.cli import errors_as_one_line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkpoint', help='checkpoint with a ResNet backbone')
    parser.add_argument('out', help='output torchvision state dict')
    args = parser.parse_args()
    with errors_as_one_line(CheckpointError):
        report = export_torchvision(args.checkpoint, args.out)
    print(f'Saved {report["tensors"]} tensors of torchvision '
          f'resnet{report["depth"]} to {args.out}; left out (not '
          f'pretrained): {", ".join(report["left_out"])}. Load with '
          f'model.fc = torch.nn.Identity(); '
          f'model.load_state_dict(torch.load(OUT), strict=True).')


if __name__ == '__main__':
    main()
