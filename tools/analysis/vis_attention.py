# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Attention maps of a backbone stage on the four rotated copies of
images (the paper's Figure 6).

    python tools/analysis/vis_attention.py CONFIG CHECKPOINT IMAGES OUT.png
        [--stage -1] [--size 224] [--power 2] [--max-images 4]

The map is the sum over channels of the squared activations, scaled to
[0, 1] per copy. One row per image: each rotated copy (counter-clockwise)
followed by its map. Use ``--cfg-options model.backbone.out_indices=[1]``
to look at another stage.
"""
import argparse

from mmengine.config import DictAction


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('images', help='an image or a folder of images')
    parser.add_argument('out', help='PNG to write')
    parser.add_argument(
        '--stage',
        type=int,
        default=-1,
        help='index into the backbone outputs (default: the last)')
    parser.add_argument('--size', type=int, default=224)
    parser.add_argument('--power', type=int, default=2)
    parser.add_argument('--max-images', type=int, default=4)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args()
    from mmselfsup_rot.visualization.attention import attention_maps
    from mmselfsup_rot.visualization.curves import pyplot
    from mmselfsup_rot.visualization.images import list_images, load_images
    from mmselfsup_rot.visualization.models import angles_of, build_model
    from mmselfsup_rot.visualization.rotation_predictions import (
        normalize, rotated_copies)
    model = build_model(args.config, args.checkpoint, args.cfg_options)
    paths = list_images(args.images)[:args.max_images]
    images = load_images(paths, args.size)
    angles = [a for a in angles_of(model) if a % 90 == 0] or [0, 90, 180, 270]
    copies = rotated_copies(images, angles)
    maps = [
        attention_maps(model, normalize(model, c), args.stage, args.power)
        for c in copies
    ]
    plt = pyplot()
    fig, axes = plt.subplots(
        len(paths),
        2 * len(angles),
        figsize=(2 * 2 * len(angles), 2 * len(paths)),
        squeeze=False)
    for i in range(len(paths)):
        for k, angle in enumerate(angles):
            axes[i,
                 2 * k].imshow(copies[k][i].permute(1, 2,
                                                    0).numpy().astype('uint8'))
            axes[i, 2 * k].set_title(f'{angle} deg', fontsize=8)
            axes[i, 2 * k + 1].imshow(
                maps[k][i].numpy(), cmap='jet', vmin=0, vmax=1)
            axes[i, 2 * k + 1].set_title('attention', fontsize=8)
    for ax in axes.flat:
        ax.axis('off')
    fig.tight_layout()
    fig.savefig(args.out, dpi=100)
    plt.close(fig)
    print(f'{len(paths)} image(s) x {len(angles)} rotations, stage '
          f'{args.stage} maps {tuple(maps[0].shape[1:])} -> {args.out}')


if __name__ == '__main__':
    main()
