#!/usr/bin/env bash
# VOC07 SVM (+ low-shot SVM) of a pretrained backbone. Arguments and
# environment: tools/benchmarks/launcher_args.sh. GPUS processes extract
# the features (torchrun; gloo on CPU) into WORK_DIR/features; the SVMs use
# every core and write their results and plots next to the features.
set -e
USAGE="bash benchmarks/svm_voc07/extract_and_svm.sh CONFIG PRETRAINED [GPUS] [svm_voc07.py options]"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
source "$ROOT/tools/benchmarks/launcher_args.sh"
take_cfg_options
PORT=${PORT:-29520}

python -m torch.distributed.run --nproc_per_node="$GPUS" \
    --master_port="$PORT" "$ROOT/tools/benchmarks/extract.py" "$CONFIG" \
    --checkpoint "$PRETRAINED" --out-dir "$WORK_DIR/features" \
    --launcher pytorch "${CFG_OPTIONS[@]}"
python "$ROOT/tools/benchmarks/svm_voc07.py" "$WORK_DIR/features" \
    "${OPTIONS[@]}"
