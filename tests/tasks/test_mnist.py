"""MNIST on the verified real files; Fashion-MNIST and the error paths on small IDX files."""

from __future__ import annotations

import dataclasses
import hashlib

import numpy as np
import pytest

from tasks import mnist
from tasks.base import DataError
from tasks.datadir import DataDirLoader, DataFile, DataSet
from tasks.idx import write_idx
from tasks.mnist import FASHION_MNIST, FASHION_MNIST_DATA, MNIST, MNIST_DATA, build_split
from tests.tasks.conftest import sha256

# Per-digit counts of the official files (also listed in ../shared/data/SOURCES.md).
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_real_mnist_official_split(real_data_dir):
    split = MNIST.split(seed=0)
    assert split.X_train.shape == (60000, 784) and split.X_test.shape == (10000, 784)
    assert split.X_train.dtype == np.float32 and split.y_train.dtype == np.int64
    assert split.X_train.min() == 0.0 and split.X_train.max() == 1.0
    assert np.bincount(split.y_train).tolist() == TRAIN_COUNTS
    assert np.bincount(split.y_test).tolist() == TEST_COUNTS
    # The first training labels of the official file, and pixel values k / 255.
    assert split.y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert np.allclose(split.X_test[0] * 255, np.round(split.X_test[0] * 255), atol=1e-4)
    # Protocol holdout with the official split: every seed gets the same (shared) arrays.
    other = MNIST.split(seed=3)
    assert other.X_train is split.X_train and not split.X_train.flags.writeable


def test_real_mnist_files_match_the_recorded_checksums(real_data_dir):
    sources = (real_data_dir / "SOURCES.md").read_text() if (
        real_data_dir / "SOURCES.md").exists() else None
    for entry in MNIST_DATA.files:
        algorithm, digest = entry.checksum.split(":")
        path = real_data_dir / "mnist" / entry.name
        assert hashlib.new(algorithm, path.read_bytes()).hexdigest() == digest
        if sources is not None:
            assert digest in sources


def test_mnist_recipes_follow_the_course_and_modern_practice():
    course, modern = MNIST.recipes["course"], MNIST.recipes["modern"]
    assert course.net.layers == (784, 256, 128, 10)
    assert (course.net.activation, course.net.output, course.net.loss, course.net.init) == (
        "sigmoid", "softmax", "categorical_crossentropy", "glorot_uniform")
    assert (course.train.optimizer, course.train.lr, course.train.batch_size,
            course.train.epochs) == ("sgd", 0.01, 128, 100)
    assert modern.net.activation == "relu" and modern.train.optimizer == "adam"
    assert modern.net.init in ("he_normal", "glorot_uniform")
    assert MNIST.target_accuracy == 0.98 and MNIST.protocol == "holdout"


def test_fashion_mnist_names_its_classes():
    assert FASHION_MNIST.classes[0] == "T-shirt/top" and FASHION_MNIST.classes[-1] == "Ankle boot"
    assert len(FASHION_MNIST.classes) == 10
    assert all(f.checksum.startswith("md5:") for f in FASHION_MNIST_DATA.files)


# --- small IDX files written here ---------------------------------------------------------

def write_set(root, name="fashion-mnist", n_train=12, n_test=5, seed=0, **override):
    """Write the four IDX files of a small data set; return (DataSet, arrays)."""
    rng = np.random.default_rng(seed)
    arrays = {
        mnist.TRAIN_IMAGES: rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        mnist.TRAIN_LABELS: (np.arange(n_train) % 10).astype(np.uint8),
        mnist.TEST_IMAGES: rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        mnist.TEST_LABELS: (np.arange(n_test) % 10).astype(np.uint8),
    }
    arrays.update(override)
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for file_name, array in arrays.items():
        write_idx(folder / file_name, array)
        files.append(DataFile(file_name, sha256((folder / file_name).read_bytes())))
    return DataSet(name, tuple(files), (), "written by the test"), arrays


def test_fashion_mnist_loader_reads_small_idx_files(tmp_path, monkeypatch):
    small, arrays = write_set(tmp_path)
    monkeypatch.setenv("NNBENCH_DATA_DIR", str(tmp_path))
    task = dataclasses.replace(FASHION_MNIST, load=DataDirLoader(small, build_split))
    split = task.split(seed=0)  # through Task.split: checked for shapes, values and labels
    assert split.X_train.shape == (12, 784) and split.X_test.shape == (5, 784)
    assert split.X_train.dtype == np.float32
    expected = arrays[mnist.TRAIN_IMAGES].reshape(12, 784) / np.float32(255)
    assert np.array_equal(split.X_train, expected)
    assert split.y_test.tolist() == [0, 1, 2, 3, 4]


def test_fashion_mnist_with_wrong_files_fails_on_the_real_checksums(tmp_path):
    write_set(tmp_path)
    with pytest.raises(DataError) as info:
        FASHION_MNIST.load.load(seed=0, root=tmp_path)
    message = str(info.value)
    assert "md5" in message and FASHION_MNIST_DATA.files[0].checksum[4:] in message
    assert "nnbench fetch fashion-mnist" in message


def test_missing_mnist_offline_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("NNBENCH_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("NNBENCH_OFFLINE", "1")
    with pytest.raises(DataError) as info:
        MNIST.split(seed=0)
    message = str(info.value)
    assert str(tmp_path / "mnist" / mnist.TRAIN_IMAGES) in message
    assert "NNBENCH_DATA_DIR" in message and "nnbench fetch mnist" in message


@pytest.mark.parametrize("override, message", [
    ({mnist.TRAIN_LABELS: np.zeros(11, dtype=np.uint8)},
     "holds 12 images but .* holds 11 labels"),
    ({mnist.TEST_IMAGES: np.zeros((5, 28, 27), dtype=np.uint8)},
     "images of 28x27 pixels, expected 28x28"),
    ({mnist.TEST_LABELS: np.full(5, 10, dtype=np.uint8)}, "label 10 is outside 0..9"),
    ({mnist.TRAIN_IMAGES: np.zeros((12, 784), dtype=np.uint8)},
     "2 dimension\\(s\\), expected 3"),
    ({mnist.TRAIN_LABELS: np.zeros(12, dtype=np.int32)}, "type code 0x0c"),
])
def test_inconsistent_files_are_data_errors(tmp_path, override, message):
    small, _ = write_set(tmp_path, **override)
    with pytest.raises(DataError, match=message):
        DataDirLoader(small, build_split).load(seed=0, root=tmp_path)


def test_bad_magic_through_the_loader(tmp_path):
    small, _ = write_set(tmp_path)
    path = tmp_path / "fashion-mnist" / mnist.TEST_LABELS
    import gzip

    path.write_bytes(gzip.compress(b"\x08\x01\0\0\0\0\0\x05" + bytes(5)))
    files = tuple(DataFile(f.name, sha256(path.read_bytes())) if f.name == path.name else f
                  for f in small.files)
    with pytest.raises(DataError, match=f"{path}: bad magic number 0x08010000"):
        DataDirLoader(dataclasses.replace(small, files=files), build_split).load(
            seed=0, root=tmp_path)


def test_a_replaced_file_is_read_again(tmp_path):
    small, _ = write_set(tmp_path, seed=1)
    first = DataDirLoader(small, build_split).load(seed=0, root=tmp_path)
    small2, arrays = write_set(tmp_path, seed=2)
    second = DataDirLoader(small2, build_split).load(seed=0, root=tmp_path)
    assert not np.array_equal(first.X_train, second.X_train)
    assert np.array_equal(second.X_train * 255, arrays[mnist.TRAIN_IMAGES].reshape(12, 784))
