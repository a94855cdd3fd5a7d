# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Weighted kNN (k = 10, 20, 100, 200) on extracted features.

    python tools/benchmarks/knn.py FEATURE_DIR [--layer feature5]

Prints a markdown table and writes ``knn_results.json`` and ``knn.png``
(top-1 / top-5 per k) next to the features.
"""
import argparse
import json
import os.path as osp
import time

from mmselfsup_rot.downstream import knn_classify, load_features
from mmselfsup_rot.utils.source_checkpoint import ensure_source_record
from mmselfsup_rot.visualization.benchmark_plots import plot_knn


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('feature_dir', help='output of extract.py')
    parser.add_argument('--train-split', default='train')
    parser.add_argument('--test-split', default='val')
    parser.add_argument('--layer', help='default: the last extracted layer')
    parser.add_argument(
        '--ks', nargs='+', type=int, default=[10, 20, 100, 200])
    parser.add_argument('--temperature', type=float, default=0.07)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    start = time.time()
    layers = [args.layer] if args.layer else None
    train, train_y, meta = load_features(args.feature_dir, args.train_split,
                                         layers)
    layer = args.layer or list(train)[-1]
    test, test_y, _ = load_features(args.feature_dir, args.test_split, [layer])
    ensure_source_record(args.feature_dir, meta.get('checkpoint'),
                         'tools/benchmarks/knn.py')
    if meta['label_format'] != 'single':
        raise ValueError('kNN needs single-label features (ImageNet-like).')
    res = knn_classify(
        train[layer],
        train_y,
        test[layer],
        test_y,
        args.ks,
        args.temperature,
        progress=True)
    print(f'\n| {layer} | ' + ' | '.join(f'k={k}' for k in args.ks) +
          ' |\n|---|' + '---|' * len(args.ks))
    print('| top-1 | ' + ' | '.join(f'{res[k]["top1"]:.2f}'
                                    for k in args.ks) + ' |')
    print('| top-5 | ' + ' | '.join(f'{res[k]["top5"]:.2f}'
                                    for k in args.ks) + ' |')
    with open(osp.join(args.feature_dir, 'knn_results.json'), 'w') as f:
        json.dump({str(k): v for k, v in res.items()}, f, indent=1)
    plot_knn(res, osp.join(args.feature_dir, 'knn.png'), layer)
    print(f'Time taken: {time.time() - start:.1f} s', flush=True)


if __name__ == '__main__':
    main()
