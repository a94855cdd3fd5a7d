# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Attention maps of a backbone stage on the rotated copies of images (the
paper's Figure 6).

    python tools/analysis/vis_attention.py CONFIG CHECKPOINT IMAGES OUT.png
        [--stage -1] [--size 224] [--power 2] [--max-images 4]

The copies are the ones the model sees: made and normalised by its own data
preprocessor (loader-side sets by ``RotationWithLabels``), with the model's
angles and direction. The map is the sum over channels of the squared
activations, scaled to [0, 1] per copy. One row per image: each rotated
copy followed by its map. Use
``--cfg-options model.backbone.out_indices=[1]`` to look at another stage.
"""
import argparse

from mmselfsup_rot.utils.cli import add_model_image_args


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    add_model_image_args(parser)
    parser.add_argument(
        '--stage',
        type=int,
        default=-1,
        help='index into the backbone outputs (default: the last)')
    parser.add_argument('--power', type=int, default=2)
    parser.add_argument('--max-images', type=int, default=4)
    args = parser.parse_args()
    from mmselfsup_rot.visualization.attention import attention_maps
    from mmselfsup_rot.visualization.curves import pyplot
    from mmselfsup_rot.visualization.images import list_images, load_images
    from mmselfsup_rot.visualization.models import build_model
    from mmselfsup_rot.visualization.rotation_predictions import (
        rotated_views, unnormalize)
    model = build_model(args.config, args.checkpoint, args.cfg_options)
    paths = list_images(args.images)[:args.max_images]
    views, angles = rotated_views(model, load_images(paths, args.size))
    maps = [
        attention_maps(model, view, args.stage, args.power) for view in views
    ]
    copies = [unnormalize(model, view) for view in views]
    plt = pyplot()
    fig, axes = plt.subplots(
        len(paths),
        2 * len(views),
        figsize=(2 * 2 * len(views), 2 * len(paths)),
        squeeze=False)
    for i in range(len(paths)):
        for k in range(len(views)):
            axes[i, 2 * k].imshow(copies[k][i])
            axes[i, 2 * k].set_title(f'{angles[i, k]} deg', fontsize=8)
            axes[i, 2 * k + 1].imshow(
                maps[k][i].numpy(), cmap='jet', vmin=0, vmax=1)
            axes[i, 2 * k + 1].set_title('attention', fontsize=8)
    for ax in axes.flat:
        ax.axis('off')
    fig.tight_layout()
    fig.savefig(args.out, dpi=100)
    plt.close(fig)
    print(f'{len(paths)} image(s) x {len(views)} rotations, stage '
          f'{args.stage} maps {tuple(maps[0].shape[1:])} -> {args.out}')


if __name__ == '__main__':
    main()
