#!/usr/bin/env bash
# Usage: bash benchmarks/mmsegmentation/dist_train.sh CONFIG PRETRAINED GPUS [options]
# e.g. --work-dir DIR --cfg-options train_dataloader.batch_size=4
exec bash "$(dirname "$0")/../../tools/benchmarks/dist_train_transfer.sh" "$@"
