# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""VOC07 SVM and low-shot SVM on extracted features.

    python tools/benchmarks/svm_voc07.py FEATURE_DIR [--layers feature4]
        [--low-shot] [--k-values 1 2 4 ...] [--num-samples 5]
        [--solver batched|liblinear] [--device cpu|cuda]
        [--low-shot-cost-selection test|cv]

Prints a markdown table (mAP per layer; low-shot mAP per layer and k) and
writes ``svm_results.json`` / ``low_shot_results.json`` and the plots
``svm_voc07.png`` (mAP per layer) / ``low_shot.png`` (mAP per k and layer)
next to the features, with a progress bar and ETA. The default solver
(``batched``) solves every class, cost and fold of a layer together from
one Gram matrix, on the CPU (all torch threads) or a GPU; ``liblinear`` is
the reference (scikit-learn's ``LinearSVC``, one fit per joblib worker).
Both record the fits that stopped at their iteration limit. The low-shot
cost is chosen on the test set by default, as FAIR, VISSL and mmselfsup do;
``--low-shot-cost-selection cv`` also reports the test mAP at costs chosen
by cross-validation on each low-shot sample (k >= 2).
"""
import argparse
import json
import os.path as osp
import time

import torch
from joblib import cpu_count

from mmselfsup_rot.downstream import (aggregate_low_shot, load_features,
                                      low_shot_svm, svm_benchmark)
from mmselfsup_rot.downstream.low_shot import K_VALUES
from mmselfsup_rot.downstream.svm import DEFAULT_COSTS, SOLVERS
from mmselfsup_rot.utils.source_checkpoint import ensure_source_record
from mmselfsup_rot.visualization.benchmark_plots import plot_low_shot, plot_svm


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('feature_dir', help='output of extract.py')
    parser.add_argument('--train-split', default='trainval')
    parser.add_argument('--test-split', default='test')
    parser.add_argument('--layers', nargs='+', help='default: all')
    parser.add_argument(
        '--costs', nargs='+', type=float, default=list(DEFAULT_COSTS))
    parser.add_argument('--low-shot', action='store_true')
    parser.add_argument(
        '--k-values', nargs='+', type=int, default=list(K_VALUES))
    parser.add_argument('--num-samples', type=int, default=5)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--jobs',
        type=int,
        default=-1,
        help='joblib workers of the liblinear solver (-1: all)')
    parser.add_argument(
        '--solver',
        default='batched',
        choices=SOLVERS,
        help='batched (default) or liblinear (the reference)')
    parser.add_argument(
        '--device', default='cpu', help='device of the batched solver')
    parser.add_argument(
        '--tol',
        type=float,
        default=1e-6,
        help='relative duality gap of the batched solver')
    parser.add_argument(
        '--low-shot-cost-selection',
        default='test',
        choices=['test', 'cv'],
        help='test: best mean mAP on test (published protocol); cv: also '
        'report costs chosen by CV on each low-shot sample (k >= 2)')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    train, train_t, meta = load_features(args.feature_dir, args.train_split,
                                         args.layers)
    ensure_source_record(args.feature_dir, meta.get('checkpoint'),
                         'tools/benchmarks/svm_voc07.py')
    test, test_t, _ = load_features(args.feature_dir, args.test_split,
                                    args.layers)
    workers = cpu_count() if args.jobs == -1 else args.jobs
    where = (f'{workers} workers' if args.solver == 'liblinear' else
             f'{args.device}, {torch.get_num_threads()} threads')
    results, low_shot = {}, {}
    total = time.time()
    for layer in train:
        start = time.time()
        res = svm_benchmark(
            train[layer],
            train_t,
            test[layer],
            test_t,
            args.costs,
            n_jobs=args.jobs,
            progress=True,
            solver=args.solver,
            device=args.device,
            tol=args.tol)
        res['seconds'] = round(time.time() - start, 2)
        results[layer] = res
        print(
            f'{layer}: VOC07 SVM mAP {res["mAP"]:.2f} '
            f'({res["seconds"]:.1f} s, {args.solver} solver, {where}; '
            f'{res["unconverged_count"]} of {res["fits"]} fits hit their '
            'iteration limit)',
            flush=True)
        if args.low_shot:
            start = time.time()
            record = {}
            aps = low_shot_svm(
                train[layer],
                train_t,
                test[layer],
                test_t,
                args.k_values,
                args.num_samples,
                args.costs,
                args.seed,
                args.jobs,
                progress=True,
                solver=args.solver,
                device=args.device,
                tol=args.tol,
                cost_selection=args.low_shot_cost_selection,
                record=record)
            low_shot[layer] = aggregate_low_shot(aps, args.k_values,
                                                 args.costs,
                                                 record.pop('cv_ap', None))
            record['seconds'] = round(time.time() - start, 2)
            res['low_shot_record'] = record
            print(
                f'{layer}: low-shot SVM done in {record["seconds"]:.1f} s '
                f'({record["unconverged_count"]} of {record["fits"]} fits '
                'hit their iteration limit)',
                flush=True)
    print(f'\nVOC07 SVM ({args.solver} solver):')
    print('| layer | VOC07 SVM mAP |\n|---|---|')
    for layer, res in results.items():
        print(f'| {layer} | {res["mAP"]:.2f} |')
    plot_svm(results, osp.join(args.feature_dir, 'svm_voc07.png'))
    if args.low_shot:
        ks = ' | '.join(f'k={k}' for k in args.k_values)
        print(f'\nlow-shot mAP ({args.solver} solver), cost selected on '
              'the test set (best mean over samples, as FAIR / VISSL / '
              'mmselfsup):')
        print(f'| layer | {ks} |\n|---|' + '---|' * len(args.k_values))
        for layer, rows in low_shot.items():
            cells = ' | '.join(f'{r["mean"]:.2f}' for r in rows)
            print(f'| {layer} | {cells} |')
        if args.low_shot_cost_selection == 'cv':
            print(f'\nlow-shot mAP ({args.solver} solver), cost selected '
                  'per class by cross-validation on each low-shot sample '
                  '(k >= 2):')
            print(f'| layer | {ks} |\n|---|' + '---|' * len(args.k_values))
            for layer, rows in low_shot.items():
                cells = ' | '.join(
                    'n/a' if r['cv'] is None else f'{r["cv"]["mean"]:.2f}'
                    for r in rows)
                print(f'| {layer} | {cells} |')
        print('\nlow-shot (published format, mean over samples): ' +
              '; '.join(f'{layer} ' + '/'.join(f'{r["mean"]:.2f}'
                                               for r in rows)
                        for layer, rows in low_shot.items()))
        with open(osp.join(args.feature_dir, 'low_shot_results.json'),
                  'w') as f:
            json.dump(low_shot, f, indent=1)
        plot_low_shot(low_shot, osp.join(args.feature_dir, 'low_shot.png'))
    with open(osp.join(args.feature_dir, 'svm_results.json'), 'w') as f:
        json.dump(results, f, indent=1)
    print(
        f'\nTime taken: {time.time() - total:.1f} s ({args.solver} solver, '
        f'{where}); results in {args.feature_dir}',
        flush=True)


if __name__ == '__main__':
    main()
