# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""The main job on the embedded default data (``make demo``).

1. writes scikit-learn's real handwritten digits as an ImageNet-layout
   folder (no download);
2. pretrains RotNet (ResNet-18) on them with
   ``configs/rotation-pred_resnet18_1xb64-coslr-12e_digits.py``;
3. trains the same linear probe on frozen features twice, from the
   RotNet checkpoint and from a random initialisation;
4. prints rotation accuracy and both probe accuracies and saves a figure
   (training curve and probe comparison).

Every step goes through ``tools/train.py`` and the project's configs.
"""
import argparse
import glob
import os
import os.path as osp
import subprocess
import sys

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
PRETRAIN_CFG = 'configs/rotation-pred_resnet18_1xb64-coslr-12e_digits.py'
PROBE_CFG = ('benchmarks/classification/digits/'
             'resnet18_linear-1xb64-coslr-10e_digits.py')
RANDOM_PROBE_CFG = PROBE_CFG.replace('.py', '_random-init.py')


def train(config: str, work_dir: str, options: list) -> None:
    """Run tools/train.py in a subprocess, failing loudly."""
    cmd = [
        sys.executable,
        osp.join(ROOT, 'tools', 'train.py'), config, '--work-dir', work_dir
    ]
    if options:
        cmd += ['--cfg-options'] + options
    print('$ ' + ' '.join(cmd), flush=True)
    log = osp.join(work_dir, 'stdout.log')
    os.makedirs(work_dir, exist_ok=True)
    with open(log, 'w') as f:
        proc = subprocess.run(
            cmd, cwd=ROOT, stdout=f, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        with open(log) as f:
            sys.stderr.write(''.join(f.readlines()[-30:]))
        raise SystemExit(f'{config} failed (exit {proc.returncode}); full '
                         f'log: {log}')


def plot(pretrain_log: list, probes: dict, out: str) -> None:
    """Training curve (loss, rotation accuracy) and probe comparison."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    steps = [r for r in pretrain_log if 'loss' in r]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
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
    names = list(probes)
    bars = ax2.bar(
        names, [probes[n] for n in names], color=['tab:green', 'tab:gray'])
    for bar, name in zip(bars, names):
        ax2.text(
            bar.get_x() + bar.get_width() / 2,
            probes[name] + 1,
            f'{probes[name]:.1f}',
            ha='center')
    ax2.set_ylim(0, 105)
    ax2.set_ylabel('top-1 accuracy on held-out digits (%)')
    ax2.set_title('Linear probe on frozen features')
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)


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
    from mmselfsup_rot.datasets.miniature import make_digits_imagenet
    from mmselfsup_rot.utils.logs import last_value, read_scalars

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

    pre_dir = osp.join(work_dir, 'pretrain')
    pre_opts = list(data_opts)
    if args.pretrain_epochs:
        pre_opts += [
            f'train_cfg.max_epochs={args.pretrain_epochs}',
            f'train_cfg.val_interval={args.pretrain_epochs}'
        ]
    train(PRETRAIN_CFG, pre_dir, pre_opts)
    ckpts = sorted(
        glob.glob(osp.join(pre_dir, 'epoch_*.pth')),
        key=lambda p: int(osp.basename(p)[6:-4]))
    checkpoint = ckpts[-1]
    pre_log = read_scalars(pre_dir)
    rot_acc = last_value(pre_log, 'rotation/accuracy')

    probe_opts = list(data_opts)
    if args.probe_epochs:
        probe_opts += [
            f'train_cfg.max_epochs={args.probe_epochs}',
            f'train_cfg.val_interval={args.probe_epochs}'
        ]
    probes = {}
    for name, config, opts in (
        ('RotNet', PROBE_CFG,
         [f'model.backbone.init_cfg.checkpoint={checkpoint}']),
        ('random init', RANDOM_PROBE_CFG, []),
    ):
        probe_dir = osp.join(work_dir,
                             'probe_' + name.replace(' ', '_').lower())
        train(config, probe_dir, probe_opts + opts)
        probes[name] = last_value(read_scalars(probe_dir), 'accuracy/top1')

    figure = osp.join(work_dir, 'demo.png')
    plot(pre_log, probes, figure)
    print('\n=== mmselfsup_rot demo: RotNet on scikit-learn digits ===')
    print(f'rotation accuracy (held-out digits, 4 angles): {rot_acc:.2f}%')
    print(f'linear probe, RotNet features:      {probes["RotNet"]:.2f}%')
    print(f'linear probe, random-init features: '
          f'{probes["random init"]:.2f}%')
    print(f'figure: {figure}')
    if probes['RotNet'] <= probes['random init']:
        raise SystemExit('RotNet features did not beat random features.')


if __name__ == '__main__':
    main()
