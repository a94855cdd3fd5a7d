# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Linear-evaluation accuracy per stage of a work directory, as a PNG.

    python tools/analysis/plot_linear_stages.py WORK_DIR OUT.png

Reads the last validation of the newest run (``scalars.json``): every
``multi-head/<layer>_top1``/``_top5`` of a multi-head run, or the
``accuracy/top1``/``top5`` of a single-head one.
``benchmarks/classification/dist_train_linear.sh`` runs it after training.
"""
import argparse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('work_dir', help='work directory of a linear run')
    parser.add_argument('out', help='PNG to write')
    args = parser.parse_args()
    from mmselfsup_rot.utils.cli import errors_as_one_line
    from mmselfsup_rot.utils.logs import read_scalars
    from mmselfsup_rot.visualization.benchmark_plots import (
        linear_stage_accuracies, plot_linear_stages)
    with errors_as_one_line(FileNotFoundError, ValueError):
        stages = linear_stage_accuracies(read_scalars(args.work_dir))
        if not stages:
            raise ValueError(
                f'{args.work_dir}: the run logged no multi-head/<layer>_top1 '
                'or accuracy/top1 (did it validate?).')
        plot_linear_stages(stages, args.out)
    cells = ', '.join(f'{stage} {acc.get("top1", float("nan")):.2f}'
                      for stage, acc in stages.items())
    print(f'top-1 per stage: {cells} -> {args.out}')


if __name__ == '__main__':
    main()
