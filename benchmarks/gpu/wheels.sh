#!/usr/bin/env bash
# Prepares the wheel folder `gpu_check.sh` installs from, on a machine WITH a package registry,
# for a GPU machine WITHOUT one (Python 3.12, x86_64 Linux, CUDA torch and JAX already there):
#   benchmarks/gpu/wheels.sh wheels/        then carry wheels/ (and the data dir) along.
# Only what such a machine lacks: Keras and its pure-Python (or manylinux) dependencies, the
# download helpers nnbench imports, and setuptools to install nnbench itself.
set -euo pipefail
dest=${1:?usage: wheels.sh WHEELS_DIR}
py=${PYVER:-3.12}
mkdir -p "$dest"
pip download --dest "$dest" --only-binary=:all: --no-deps \
    --python-version "$py" --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux_2_28_x86_64 \
    keras==3.15.1 namex absl-py optree h5py ml-dtypes packaging \
    pooch platformdirs requests urllib3 idna charset-normalizer certifi \
    typing-extensions threadpoolctl setuptools wheel
ls "$dest"
