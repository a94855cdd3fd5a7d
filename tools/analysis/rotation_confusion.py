# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Rotation-prediction confusion matrix and per-angle accuracy of a
RotationPred checkpoint on a folder of images.

    python tools/analysis/rotation_confusion.py CONFIG CHECKPOINT IMAGES
        OUT.png [--size 32] [--batch-size 32] [--json OUT.json]

The images go through the model's own route (``model.test_step``): its
data preprocessor normalises them and makes the rotations of the model's
set, in its direction (loader-side sets such as 45 degrees are rotated by
``RotationWithLabels`` with the model's set). The counts and accuracies are
those of the ``RotationAccuracy`` metric.
"""
import argparse
import json

import numpy as np

from mmselfsup_rot.utils.cli import add_model_image_args


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    add_model_image_args(parser)
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--json', help='also write the numbers here')
    args = parser.parse_args()
    from mmselfsup_rot.evaluation.metrics import RotationAccuracy
    from mmselfsup_rot.visualization.curves import pyplot
    from mmselfsup_rot.visualization.images import list_images, load_images
    from mmselfsup_rot.visualization.models import build_model
    from mmselfsup_rot.visualization.rotation_predictions import \
        rotation_predictions
    model = build_model(args.config, args.checkpoint, args.cfg_options)
    if not hasattr(model, 'angles'):
        raise SystemExit(f'{args.config} does not define a rotation model '
                         '(RotationPred or FeatureDecoupling).')
    angles = model.angles
    paths = list_images(args.images)
    labels, preds = [], []
    for i in range(0, len(paths), args.batch_size):
        label, pred = rotation_predictions(
            model, load_images(paths[i:i + args.batch_size], args.size))
        labels.append(label)
        preds.append(pred)
    mat = RotationAccuracy.confusion_matrix(
        np.concatenate(preds), np.concatenate(labels), len(angles))
    metrics = RotationAccuracy.calculate(mat, angles)
    accuracy = metrics['accuracy']
    per_angle = {
        f'{a}': metrics[f'accuracy_{a}deg']
        for a in angles if f'accuracy_{a}deg' in metrics
    }
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
    direction = 'clockwise' if model.clockwise else 'counter-clockwise'
    ax.set_ylabel(f'true angle (deg, {direction})')
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
