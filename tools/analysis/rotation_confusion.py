# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Rotation-prediction confusion matrix and per-angle accuracy of a
RotationPred checkpoint on a folder of images.

    python tools/analysis/rotation_confusion.py CONFIG CHECKPOINT IMAGES
        OUT.png [--size 32] [--batch-size 32] [--json OUT.json]

Every image is rotated by each right angle of the model's rotation set
(counter-clockwise) and classified with ``RotationPred.predict``.
"""
import argparse
import json

import numpy as np
from mmengine.config import DictAction


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('images', help='an image or a folder of images')
    parser.add_argument('out', help='PNG to write')
    parser.add_argument('--size', type=int, default=224)
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--json', help='also write the numbers here')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args()
    from mmselfsup_rot.visualization.curves import pyplot
    from mmselfsup_rot.visualization.images import list_images, load_images
    from mmselfsup_rot.visualization.models import angles_of, build_model
    from mmselfsup_rot.visualization.rotation_predictions import (
        confusion, rotation_predictions)
    model = build_model(args.config, args.checkpoint, args.cfg_options)
    angles = angles_of(model)
    if any(a % 90 for a in angles):
        raise ValueError(f'The model predicts {angles}: this tool rotates '
                         'exactly, by right angles only.')
    paths = list_images(args.images)
    preds = np.concatenate([
        rotation_predictions(
            model, load_images(paths[i:i + args.batch_size], args.size),
            angles) for i in range(0, len(paths), args.batch_size)
    ])
    mat = confusion(preds, len(angles))
    per_angle = {
        f'{a}': float(100. * mat[k, k] / mat[k].sum())
        for k, a in enumerate(angles)
    }
    accuracy = float(100. * np.trace(mat) / mat.sum())
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(4.5, 4))
    ax.imshow(mat, cmap='Blues')
    for r in range(len(angles)):
        for c in range(len(angles)):
            ax.text(
                c, r, str(mat[r, c]), ha='center', va='center', color='red')
    ticks = [f'{a}' for a in angles]
    ax.set_xticks(range(len(angles)), ticks)
    ax.set_yticks(range(len(angles)), ticks)
    ax.set_xlabel('predicted angle (deg)')
    ax.set_ylabel('true angle (deg, counter-clockwise)')
    ax.set_title(f'{len(paths)} images, accuracy {accuracy:.1f}%')
    fig.tight_layout()
    fig.savefig(args.out, dpi=100)
    plt.close(fig)
    print(f'accuracy {accuracy:.2f}%; per angle: ' +
          ', '.join(f'{a} deg {v:.2f}%' for a, v in per_angle.items()))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(
                dict(
                    accuracy=accuracy,
                    per_angle=per_angle,
                    confusion=mat.tolist(),
                    num_images=len(paths)),
                f,
                indent=1)


if __name__ == '__main__':
    main()
