# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Training curves of a work directory (mmengine ``scalars.json``).

    python tools/analysis/plot_curves.py WORK_DIR OUT.png
        [--keys loss acc_rot rotation/accuracy]

One panel per key: training keys against the iteration, validation keys
against their step (the epoch for epoch-based runs). Per-stage metrics of
one prefix share a panel, a line per stage: e.g. the online probes'
``online-probe/stage1_top1`` .. ``stage4_top1`` over the epochs.
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
    from mmselfsup_rot.visualization.curves import (curve_panels, draw_panel,
                                                    pyplot, read_curves)
    curves = read_curves(args.work_dir)
    keys = args.keys or [k for k in curves if k in ('loss', 'lr') or '/' in k]
    missing = [k for k in keys if k not in curves]
    if missing or not keys:
        raise ValueError(f'{args.work_dir}: keys {missing} were not logged; '
                         f'logged keys: {sorted(curves)}.')
    panels = curve_panels(keys)
    plt = pyplot()
    fig, axes = plt.subplots(
        1, len(panels), figsize=(4 * len(panels), 3.2), squeeze=False)
    for ax, (title, panel_keys) in zip(axes[0], panels.items()):
        draw_panel(ax, curves, panel_keys, title)
    fig.tight_layout()
    fig.savefig(args.out, dpi=100)
    plt.close(fig)
    print(f'{", ".join(keys)} -> {args.out}')


if __name__ == '__main__':
    main()
