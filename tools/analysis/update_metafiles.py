# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Regenerate ``model-index.yml`` and every ``metafile.yml`` from the
configs on disk (so new configs are listed) and the collected results.

    python tools/analysis/update_metafiles.py [--results docs/model_zoo.json]
        [--check]

``--check`` writes nothing and exits with 1 if a file is out of date.
"""
import argparse
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--results',
        default=osp.join(ROOT, 'docs', 'model_zoo.json'),
        help='output of collect_results.py --json (optional)')
    parser.add_argument('--repo', default=ROOT, help='repository root')
    parser.add_argument(
        '--check',
        action='store_true',
        help='only check that the files are up to date')
    args = parser.parse_args()
    sys.path.insert(0, args.repo)
    from mmselfsup_rot.model_zoo.collect import load_results_json
    from mmselfsup_rot.model_zoo.metafiles import (build_metafiles, dump_yaml,
                                                   model_index)
    metafiles = build_metafiles(args.repo, load_results_json(args.results))
    outputs = {p: dump_yaml(c) for p, c in metafiles.items()}
    outputs['model-index.yml'] = dump_yaml(model_index(list(metafiles)))
    stale = []
    for rel, text in sorted(outputs.items()):
        path = osp.join(args.repo, rel)
        old = open(path).read() if osp.isfile(path) else None
        if old == text:
            continue
        stale.append(rel)
        if not args.check:
            with open(path, 'w') as f:
                f.write(text)
            print(f'wrote {rel}')
    num = sum(len(c['Models']) for c in metafiles.values())
    if args.check and stale:
        raise SystemExit(f'Out of date: {", ".join(stale)}; run '
                         'python tools/analysis/update_metafiles.py')
    print(f'{num} configs in {len(metafiles)} metafiles' +
          (', up to date' if not stale else ''))


if __name__ == '__main__':
    main()
