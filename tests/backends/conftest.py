"""Keras's engine is fixed when keras is first imported: the in-process tests use TensorFlow
(the `keras` backend); the other engines are tested in processes of their own."""

import os
import sys

if "keras" not in sys.modules:
    os.environ["KERAS_BACKEND"] = "tensorflow"
