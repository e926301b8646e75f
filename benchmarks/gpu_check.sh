#!/usr/bin/env bash
# The GPU check of `--device cuda` (issue 20), in at most 8 minutes on a GPU machine:
#
#   benchmarks/gpu_check.sh OUTDIR
#
# 1. installs nnbench (editable, no registry) and what the machine lacks (Keras, pooch, ...)
#    from $WHEELS (default: ./wheels, prepared beforehand by benchmarks/gpu/wheels.sh);
# 2. `nnbench verify --device cuda` for every GPU backend installed there    -> OUTDIR/verify.txt
# 3. MNIST `modern`, one seed, on the CPU and on the GPU, for the GPU backends
#                                                    -> OUTDIR/mnist-cpu/, OUTDIR/mnist-on-cuda/
# 4. the scaling study's width sweep on the GPU (benchmarks/gpu/scale-width.toml)
#                                                    -> OUTDIR/scale-on-cuda/
# 5. the short table of step 3 (benchmarks/gpu/table.py)               -> OUTDIR/table.md
#
# Every step has a time limit (SIGINT first: nnbench then writes what it has) and a failing
# step does not stop the others; OUTDIR/steps.txt lists each step's exit status and seconds.
# MNIST is read from $NNBENCH_DATA_DIR (default ./data; NNBENCH_OFFLINE=1 is set).
#
# Variables: PYTHON (default python3), WHEELS, NNBENCH_DATA_DIR, NO_INSTALL=1 (install
# nothing), DEVICE (default cuda; `cpu`
# runs the whole script on the CPU, as a dry run on a machine without a GPU), QUICK=1 (one
# epoch per run and the two smallest verify cases: the dry run of CI-sized machines).
set -uo pipefail

out=${1:?usage: benchmarks/gpu_check.sh OUTDIR}
root=$(cd "$(dirname "$0")/.." && pwd)
py=${PYTHON:-python3}
wheels=${WHEELS:-$root/wheels}
device=${DEVICE:-cuda}
mkdir -p "$out"
out=$(cd "$out" && pwd)
export NNBENCH_DATA_DIR=${NNBENCH_DATA_DIR:-$root/data} NNBENCH_OFFLINE=1
cd "$root"
: > "$out/steps.txt"

step() {  # step NAME LIMIT_SECONDS COMMAND...: run it with a time limit, log its outcome
    local name=$1 limit=$2 start=$SECONDS rc
    shift 2
    echo "== $name (at most ${limit} s): $*"
    timeout --signal=INT --kill-after=20 "$limit" "$@"
    rc=$?
    echo "$name rc=$rc seconds=$((SECONDS - start))" | tee -a "$out/steps.txt"
}

# --- 1. install (NO_INSTALL=1: leave the Python environment alone, run from the checkout) ----
if [ "${NO_INSTALL:-0}" = 1 ]; then
    echo "NO_INSTALL=1: nothing installed; running nnbench from the checkout"
elif [ -d "$wheels" ]; then
    # only the wheels of distributions this Python lacks: its own torch, JAX, ml_dtypes, ...
    # stay as they are
    missing=$("$py" - "$wheels" <<'PY'
import importlib.metadata as md, pathlib, sys
for wheel in sorted(pathlib.Path(sys.argv[1]).glob("*.whl")):
    try:
        md.version(wheel.name.split("-")[0])
    except md.PackageNotFoundError:
        print(wheel)
PY
)
    if [ -n "$missing" ]; then
        echo "installing from $wheels: $(echo "$missing" | xargs -n1 basename | tr '\n' ' ')"
        # shellcheck disable=SC2086
        "$py" -m pip install --no-index --find-links "$wheels" --no-deps $missing \
            >"$out/install.log" 2>&1 || echo "pip install from $wheels failed: see install.log"
    fi
else
    echo "no wheel folder $wheels (benchmarks/gpu/wheels.sh prepares one); going on"
fi
if [ "${NO_INSTALL:-0}" != 1 ] && ! "$py" -m pip install --no-index --no-deps \
        --no-build-isolation -e "$root" >>"$out/install.log" 2>&1; then
    echo "nnbench not installed (see install.log); running it from the checkout"
fi
export PYTHONPATH="$root${PYTHONPATH:+:$PYTHONPATH}"

{
    "$py" -c "import sys; print('python', sys.version.split()[0])"
    "$py" -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda,
      'available', torch.cuda.is_available(),
      torch.cuda.get_device_name(0) if torch.cuda.is_available() else '')" 2>&1 | tail -1
    "$py" -c "import jax; print('jax', jax.__version__, jax.devices())" 2>&1 | tail -1
    "$py" -c "import keras; print('keras', keras.__version__)" 2>&1 | tail -1
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1 | head -2
} | tee "$out/machine.txt"

# the installed backends with a cuda device (numpy, sklearn and pybrain have none)
backends=$("$py" -c "
from backends.registry import BACKENDS
print(','.join(n for n, e in BACKENDS.items()
               if 'cuda' in e.devices and e.unavailable_reason() is None))")
mnist_backends=$("$py" -c "
wanted = ('torch', 'keras-torch', 'keras-jax')
print(','.join(b for b in '$backends'.split(',') if b in wanted))")
echo "GPU backends installed: ${backends:-none}; MNIST on: ${mnist_backends:-none}" \
    | tee -a "$out/machine.txt"
[ -n "$backends" ] || { echo "no backend with a cuda device is installed"; exit 1; }

quick=()
cases=()
if [ "${QUICK:-0}" = 1 ]; then
    quick=(--epochs 1)
    cases=(--cases xor,digits)
fi

# --- 2. verify on the device -------------------------------------------------------------------
step verify 130 sh -c '"$0" -m bench verify --device "$1" --backends "$2" $3 >"$4" 2>&1
    rc=$?; cat "$4"; exit $rc' "$py" "$device" "$backends" "${cases[*]}" "$out/verify.txt"

# --- 3. MNIST modern, one seed, CPU then device ------------------------------------------------
if [ -n "$mnist_backends" ]; then
    cores=$(nproc)
    step mnist-cpu 120 "$py" -m bench run --tasks mnist --recipe modern --seeds 1 \
        --backends "$mnist_backends" --device cpu --jobs 3 --threads $(( cores / 3 > 0 ? cores / 3 : 1 )) \
        --timeout 110 --quiet --out "$out/mnist-cpu" "${quick[@]}"
    # one run at a time on the one GPU: no run shares it with another
    step "mnist-on-$device" 100 "$py" -m bench run --tasks mnist --recipe modern --seeds 1 \
        --backends "$mnist_backends" --device "$device" --jobs 1 --threads 4 --timeout 95 \
        --quiet --out "$out/mnist-on-$device" "${quick[@]}"
fi

# --- 4. the width sweep on the device ----------------------------------------------------------
suite="$root/benchmarks/gpu/scale-width.toml"
step "scale-on-$device" 70 "$py" -m bench run --suite "$suite" --device "$device" \
    --backends "$mnist_backends" --jobs 1 --threads 4 --quiet --out "$out/scale-on-$device" \
    "${quick[@]}"

# --- 5. the table ------------------------------------------------------------------------------
step table 20 "$py" "$root/benchmarks/gpu/table.py" "$out"
echo "records and tables in $out (steps: $out/steps.txt)"
