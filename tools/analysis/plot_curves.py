# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Training curves of a work directory (mmengine ``scalars.json``).

    python tools/analysis/plot_curves.py WORK_DIR OUT.png
        [--keys loss acc_rot rotation/accuracy]

One panel per key: training keys against the iteration, validation keys
against their step (the epoch for epoch-based runs).
"""
import argparse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('work_dir')
    parser.add_argument('out', help='PNG to write')
    parser.add_argument(
        '--keys',
        nargs='+',
        help='keys to plot (default: loss, lr and every validation metric)')
    args = parser.parse_args()
    from mmselfsup_rot.visualization.curves import pyplot, read_curves
    curves = read_curves(args.work_dir)
    keys = args.keys or [k for k in curves if k in ('loss', 'lr') or '/' in k]
    missing = [k for k in keys if k not in curves]
    if missing or not keys:
        raise ValueError(f'{args.work_dir}: keys {missing} were not logged; '
                         f'logged keys: {sorted(curves)}.')
    plt = pyplot()
    fig, axes = plt.subplots(
        1, len(keys), figsize=(4 * len(keys), 3.2), squeeze=False)
    for ax, key in zip(axes[0], keys):
        steps, values = zip(*curves[key])
        ax.plot(steps, values, marker='.' if len(steps) < 20 else None)
        ax.set_title(key)
        ax.set_xlabel('iteration' if key in (
            'loss', 'lr') or not ('/' in key) else 'step')
    fig.tight_layout()
    fig.savefig(args.out, dpi=100)
    plt.close(fig)
    print(f'{", ".join(keys)} -> {args.out}')


if __name__ == '__main__':
    main()
