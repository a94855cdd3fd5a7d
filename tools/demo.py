# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""The main job on the embedded default data (``make demo``).

1. writes scikit-learn's real handwritten digits as an ImageNet-layout
   folder (no download);
2. pretrains RotNet (ResNet-18) on them with
   ``configs/rotation-pred_resnet18_1xb64-coslr-12e_digits.py``;
3. trains linear probes on every layer (stem, stages 1-4) of the frozen
   backbone, as the RotNet paper reports them, from the RotNet checkpoint
   and from a random initialisation, and the same probe on the raw pixels
   (``benchmarks/classification/digits/multi-head-linear_*``);
4. prints the rotation accuracy and the per-layer probe table with the
   best-layer gain, writes them to ``probes.json`` with the commit, the
   machine and the command of the run, and saves a figure (training curve,
   the online per-stage probes of the pretraining over the epochs, and the
   per-layer probes);
5. prints, for the last epoch, each stage's online probe (trained during
   the pretraining) beside its offline probe (step 3).

Every step goes through ``tools/train.py`` and the project's configs.
"""
import argparse
import glob
import json
import os
import os.path as osp
import re
import subprocess
import sys
import time
from typing import Dict, List, Optional

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
PRETRAIN_CFG = 'configs/rotation-pred_resnet18_1xb64-coslr-12e_digits.py'
PROBE_DIR = 'benchmarks/classification/digits/'
PROBE_CFG = PROBE_DIR + 'multi-head-linear_resnet18_1xb64-coslr-10e_digits.py'
RANDOM_PROBE_CFG = PROBE_CFG.replace('.py', '_random-init.py')
PIXELS_PROBE_CFG = PROBE_DIR + \
    'multi-head-linear_pixels_1xb64-coslr-10e_digits.py'
# Columns of the probe table: the input, then the ResNet-18 layers.
LAYERS = ('pixels', 'stem', 'stage1', 'stage2', 'stage3', 'stage4')
EPOCH = re.compile(r'Epoch\((?:train|val)\)\s*\[(\d+)\]')
# The pretraining's online probes (OnlineProbeAccuracy), per stage.
ONLINE_KEY = re.compile(r'^online-probe/(\w+)_top1$')


def _last_epoch(log: str) -> int:
    """The newest epoch mentioned by an mmengine log (0 if none yet)."""
    if not osp.isfile(log):
        return 0
    with open(log, errors='replace') as f:
        found = EPOCH.findall(f.read())
    return int(found[-1]) if found else 0


def train(config: str, work_dir: str, options: list, label: str,
          epochs: int) -> float:
    """Run tools/train.py in a subprocess with a one-line progress report,
    failing loudly.

    Returns:
        float: Wall time in seconds.
    """
    cmd = [
        sys.executable,
        osp.join(ROOT, 'tools', 'train.py'), config, '--work-dir', work_dir
    ]
    if options:
        cmd += ['--cfg-options'] + options
    log = osp.join(work_dir, 'stdout.log')
    os.makedirs(work_dir, exist_ok=True)
    live = sys.stdout.isatty()
    print(f'{label} ...', end='' if not live else '\r', flush=True)
    start = time.time()
    with open(log, 'w') as f:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, stdout=f, stderr=subprocess.STDOUT)
        while proc.poll() is None:
            time.sleep(1)
            if live:
                print(
                    f'\r{label}: epoch {_last_epoch(log)}/{epochs}, '
                    f'{time.time() - start:.0f} s',
                    end='',
                    flush=True)
    seconds = time.time() - start
    if proc.returncode != 0:
        print(flush=True)
        with open(log) as f:
            sys.stderr.write(''.join(f.readlines()[-30:]))
        raise SystemExit(f'{config} failed (exit {proc.returncode}); '
                         f'command: {" ".join(cmd)}; full log: {log}')
    print(
        ('\r' + label if live else '') + f' done in {seconds:.0f} s '
        f'({epochs} epochs; log {osp.relpath(log)})',
        flush=True)
    return seconds


def probe_table(probes: Dict[str, Dict[str, float]]) -> str:
    """The per-layer probe accuracies as a markdown table (``-``: layer
    not probed)."""
    lines = [
        '| features | ' + ' | '.join(LAYERS) + ' |',
        '|---|' + '---:|' * len(LAYERS)
    ]
    for name, accs in probes.items():
        cells = [f'{accs[k]:.2f}' if k in accs else '-' for k in LAYERS]
        lines.append(f'| {name} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def best_layer(accs: Dict[str, float]) -> tuple:
    """``(layer, accuracy)`` of the best probe (the first one on ties)."""
    layer = max(accs, key=lambda k: (accs[k], -LAYERS.index(k)))
    return layer, accs[layer]


def summary_line(probes: Dict[str, Dict[str, float]]) -> str:
    """The best-layer comparison of RotNet and random init (and pixels)."""
    rot_layer, rot = best_layer(probes['RotNet'])
    rnd_layer, rnd = best_layer(probes['random init'])
    line = (f'best layer: RotNet {rot:.2f}% ({rot_layer}) vs random init '
            f'{rnd:.2f}% ({rnd_layer}): {rot - rnd:+.2f} points')
    if 'raw pixels' in probes:
        line += f'; raw pixels {probes["raw pixels"]["pixels"]:.2f}%'
    return line


def online_curves(pretrain_log: list) -> Dict[str, List[tuple]]:
    """``{stage: [(epoch, top-1)]}`` of the pretraining's online probes."""
    curves: Dict[str, List[tuple]] = {}
    for record in pretrain_log:
        for key, value in record.items():
            match = ONLINE_KEY.match(key)
            if match:
                curves.setdefault(match.group(1), []).append(
                    (int(record.get('step', 0)), float(value)))
    return curves


def online_vs_offline(online: Dict[str, List[tuple]],
                      offline: Dict[str, float]) -> str:
    """Last-epoch online probe vs offline probe per stage, as a markdown
    table (``gap``: offline minus online, points)."""
    lines = [
        '| stage | online (last epoch) | offline | gap |',
        '|---|---:|---:|---:|'
    ]
    for stage, curve in online.items():
        last = curve[-1][1]
        if stage in offline:
            lines.append(f'| {stage} | {last:.2f} | {offline[stage]:.2f} | '
                         f'{offline[stage] - last:+.2f} |')
        else:
            lines.append(f'| {stage} | {last:.2f} | - | - |')
    return '\n'.join(lines)


def plot(pretrain_log: list, probes: Dict[str, Dict[str, float]],
         out: str) -> None:
    """Training curve (loss, rotation accuracy), the online per-stage
    probes over the epochs and the offline per-layer probes."""
    import numpy as np

    from mmselfsup_rot.visualization.curves import pyplot
    plt = pyplot()
    steps = [r for r in pretrain_log if 'loss' in r]
    fig, (ax1, ax3, ax2) = plt.subplots(
        1, 3, figsize=(17, 4.2), gridspec_kw=dict(width_ratios=[1, 1, 1.4]))
    loss_line, = ax1.plot([r['iter'] for r in steps],
                          [r['loss'] for r in steps],
                          label='rotation loss',
                          color='tab:blue')
    ax1.set_xlabel('iteration')
    ax1.set_ylabel('cross-entropy')
    ax1.set_title('RotNet pretraining on digits')
    twin = ax1.twinx()
    acc_line, = twin.plot([r['iter'] for r in steps],
                          [r['acc_rot'] for r in steps],
                          label='rotation accuracy (train)',
                          color='tab:orange')
    twin.set_ylabel('rotation accuracy (%)')
    ax1.legend(handles=[loss_line, acc_line], loc='center right')
    online = online_curves(pretrain_log)
    for stage, curve in online.items():
        ax3.plot(*zip(*curve), marker='.', label=stage)
    ax3.set_xlabel('epoch')
    ax3.xaxis.get_major_locator().set_params(integer=True)
    ax3.set_ylabel('top-1 on held-out digits (%)')
    ax3.set_ylim(0, 105)
    ax3.set_title('Online linear probe per stage (during pretraining)')
    if online:
        ax3.legend(fontsize=8)
    colors = {
        'RotNet': 'tab:green',
        'random init': 'tab:gray',
        'raw pixels': 'tab:purple'
    }
    x = np.arange(len(LAYERS))
    width = 0.8 / 2
    for i, name in enumerate(probes):
        accs = probes[name]
        idx = [LAYERS.index(k) for k in LAYERS if k in accs]
        # pixels has one bar: centre it
        offset = 0. if len(idx) == 1 else (i - 0.5) * width
        bars = ax2.bar(
            x[idx] + offset, [accs[LAYERS[j]] for j in idx],
            width,
            label=name,
            color=colors.get(name))
        for bar in bars:
            ax2.text(
                bar.get_x() + bar.get_width() / 2,
                bar.get_height() + 1,
                f'{bar.get_height():.1f}',
                ha='center',
                fontsize=7)
    if 'raw pixels' in probes:
        # the input's own linear separability, across all layers
        ax2.axhline(
            probes['raw pixels']['pixels'],
            color=colors['raw pixels'],
            linestyle='--',
            linewidth=0.8)
    ax2.set_xticks(x, LAYERS)
    ax2.set_ylim(0, 118)
    ax2.set_ylabel('top-1 accuracy on held-out digits (%)')
    ax2.set_title('Linear probe per layer of the frozen ResNet-18')
    ax2.legend(loc='upper center', ncol=3, fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)


def probe_accuracies(work_dir: str) -> Dict[str, float]:
    """Final ``multi-head/<layer>_top1`` of a probe run, per layer."""
    from mmselfsup_rot.utils.logs import read_scalars
    from mmselfsup_rot.visualization.benchmark_plots import \
        linear_stage_accuracies
    stages = linear_stage_accuracies(read_scalars(work_dir))
    accs = {
        layer: stages[layer]['top1']
        for layer in LAYERS if 'top1' in stages.get(layer, {})
    }
    if not accs:
        raise SystemExit(f'{work_dir} logged no multi-head accuracy.')
    return accs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--data-root', default='data/digits')
    parser.add_argument(
        '--pretrain-epochs',
        type=int,
        default=None,
        help='override the config (for quick checks)')
    parser.add_argument(
        '--probe-epochs',
        type=int,
        default=None,
        help='override the config (for quick checks)')
    args = parser.parse_args()

    sys.path.insert(0, ROOT)
    from mmengine.config import Config

    from mmselfsup_rot.datasets.miniature import make_digits_imagenet
    from mmselfsup_rot.utils.logs import last_value, read_scalars
    from mmselfsup_rot.utils.provenance import host_info, provenance

    # the checkout as the run starts (later commits do not change the run)
    record = provenance(__file__, sys.argv[1:])
    total = time.time()
    work_dir = osp.abspath(args.work_dir)
    data_root = osp.abspath(args.data_root)
    if not osp.exists(osp.join(data_root, 'meta', 'val.txt')):
        print(f'writing scikit-learn digits to {data_root}', flush=True)
        make_digits_imagenet(data_root)
    data_opts = [
        f'train_dataloader.dataset.data_root={data_root}',
        f'val_dataloader.dataset.data_root={data_root}',
        f'test_dataloader.dataset.data_root={data_root}',
    ]

    def epochs_of(config: str, override: Optional[int]) -> int:
        if override:
            return override
        return Config.fromfile(
            osp.join(ROOT, config),
            import_custom_modules=False).train_cfg.max_epochs

    def schedule(epochs: Optional[int]) -> List[str]:
        return [
            f'train_cfg.max_epochs={epochs}',
            f'train_cfg.val_interval={epochs}'
        ] if epochs else []

    steps = 4
    seconds = {}
    pre_dir = osp.join(work_dir, 'pretrain')
    # validated every epoch (the config's val_interval): the online curves
    pre_schedule = [f'train_cfg.max_epochs={args.pretrain_epochs}'
                    ] if args.pretrain_epochs else []
    seconds['pretrain'] = train(PRETRAIN_CFG, pre_dir,
                                data_opts + pre_schedule,
                                f'[1/{steps}] RotNet pretraining',
                                epochs_of(PRETRAIN_CFG, args.pretrain_epochs))
    ckpts = sorted(
        glob.glob(osp.join(pre_dir, 'epoch_*.pth')),
        key=lambda p: int(osp.basename(p)[6:-4]))
    checkpoint = ckpts[-1]
    pre_log = read_scalars(pre_dir)
    rot_acc = last_value(pre_log, 'rotation/accuracy')
    angle_keys = sorted(
        {k
         for r in pre_log
         for k in r if k.startswith('rotation/accuracy_')})
    rot_per_angle = {
        k.split('_', 1)[1]: last_value(pre_log, k)
        for k in angle_keys
    }

    probe_opts = data_opts + schedule(args.probe_epochs)
    probes: Dict[str, Dict[str, float]] = {}
    for step, (name, config, opts) in enumerate((
        ('RotNet', PROBE_CFG,
         [f'model.backbone.init_cfg.checkpoint={checkpoint}']),
        ('random init', RANDOM_PROBE_CFG, []),
        ('raw pixels', PIXELS_PROBE_CFG, []),
    ),
                                                start=2):
        probe_dir = osp.join(work_dir,
                             'probe_' + name.replace(' ', '_').lower())
        what = 'pixel probe' if name == 'raw pixels' else \
            f'per-layer probes on {name} features'
        seconds[name] = train(config, probe_dir, probe_opts + opts,
                              f'[{step}/{steps}] {what}',
                              epochs_of(config, args.probe_epochs))
        probes[name] = probe_accuracies(probe_dir)

    figure = osp.join(work_dir, 'demo.png')
    plot(pre_log, probes, figure)
    results = osp.join(work_dir, 'probes.json')
    with open(results, 'w') as f:
        json.dump(
            dict(
                **record,
                machine=host_info(),
                rotation_accuracy=rot_acc,
                rotation_accuracy_per_angle=rot_per_angle,
                probes=probes,
                checkpoint=osp.relpath(checkpoint, ROOT),
                seconds=seconds,
                total_seconds=time.time() - total),
            f,
            indent=1)
    print('\n=== mmselfsup_rot demo: RotNet on scikit-learn digits ===')
    print(f'rotation accuracy (held-out digits, 4 angles): {rot_acc:.2f}%')
    print('linear probe top-1 on held-out digits (%), per layer of the '
          'frozen ResNet-18:')
    print(probe_table(probes))
    print(summary_line(probes))
    online = online_curves(pre_log)
    if online:
        print('online probe (trained during pretraining) vs offline probe '
              '(frozen checkpoint), top-1 (%) at the last epoch:')
        print(online_vs_offline(online, probes['RotNet']))
    print(f'figure: {figure}; table: {results}; '
          f'total {time.time() - total:.0f} s')
    if best_layer(probes['RotNet'])[1] <= best_layer(probes['random init'])[1]:
        raise SystemExit('RotNet features did not beat random features at '
                         'any layer.')


if __name__ == '__main__':
    main()
