#!/usr/bin/env bash
# The argument convention shared by the benchmark launchers, sourced by
# benchmarks/classification/{dist_train_linear,knn,semi_sup_grid}.sh,
# benchmarks/svm_voc07/extract_and_svm.sh and
# tools/benchmarks/dist_train_transfer.sh:
#
#     bash LAUNCHER CONFIG PRETRAINED [GPUS] [options]
#
# CONFIG      the benchmark config;
# PRETRAINED  a checkpoint of this project (RotationPred or backbone-only),
#             of mmselfsup 1.x (rotation-pred) or of the official RotNet
#             code, recognised from its keys and converted in memory
#             (mmselfsup_rot/utils/checkpoint_formats.py), or "none" (the
#             random-initialisation baseline);
# GPUS        processes on this node: the third argument when it is a
#             number, else $GPUS, else 8 (mmselfsup's default);
# options     passed on to the launcher's Python tool.
#
# Environment: WORK_DIR (default work_dirs/benchmarks/<config>/<pretrained>),
# PORT, and for the training launchers NNODES, NODE_RANK, MASTER_ADDR.
#
# The launcher sets USAGE and ROOT, then sources this file with its
# arguments; it gets CONFIG, PRETRAINED, GPUS, WORK_DIR and the array
# OPTIONS. The extraction launchers (knn.sh, extract_and_svm.sh) then call
# take_cfg_options, which moves `--cfg-options KEY=VALUE ...` out of
# OPTIONS into CFG_OPTIONS for tools/benchmarks/extract.py: the config
# (e.g. its data_root) is read by the extraction, not by the kNN or SVM
# step that gets the other options.
if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
    echo "usage: $USAGE"
    exit 0
fi
if [ $# -lt 2 ] || [[ "$1" == -* ]] || [[ "$2" == -* ]]; then
    echo "usage: $USAGE" >&2
    exit 2
fi
CONFIG=$1
PRETRAINED=$2
shift 2
if [[ "${1:-}" =~ ^[0-9]+$ ]]; then
    GPUS=$1
    shift
else
    GPUS=${GPUS:-8}
fi
OPTIONS=("$@")
if [ ! -f "$CONFIG" ]; then
    echo "error: config $CONFIG does not exist (usage: $USAGE)" >&2
    exit 2
fi
if [ "$PRETRAINED" != "none" ] && [ ! -f "$PRETRAINED" ]; then
    echo "error: checkpoint $PRETRAINED does not exist; give a checkpoint" \
        "file or \"none\" (usage: $USAGE)" >&2
    exit 2
fi
WORK_DIR=${WORK_DIR:-work_dirs/benchmarks/$(basename "${CONFIG%.py}")/$(basename "${PRETRAINED%.*}")}
export PYTHONPATH="$ROOT:$PYTHONPATH"

take_cfg_options() {
    CFG_OPTIONS=()
    local rest=() arg in_cfg=0
    for arg in "${OPTIONS[@]}"; do
        if [ "$arg" = "--cfg-options" ]; then
            in_cfg=1
            CFG_OPTIONS+=("$arg")
        elif [ $in_cfg = 1 ] && [[ "$arg" != -* ]]; then
            CFG_OPTIONS+=("$arg")
        else
            in_cfg=0
            rest+=("$arg")
        fi
    done
    OPTIONS=("${rest[@]}")
}
