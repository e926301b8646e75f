"""A test-only backend that misbehaves on request (never in the shipped registry).

Registered in worker processes through NNBENCH_EXTRA_BACKENDS="fault=tests.backends.fault_backend:
FaultModel"; NNBENCH_FAULT picks the misbehaviour: raise, crash (os._exit), segfault, oom (runs
out of memory under an address-space limit), oom-kill (SIGKILL, as the kernel's OOM killer
sends), hang, nan, slow; and two learning bugs for the accuracy gate: grad-sign (the first
layer's weight gradient has the wrong sign) and lr-scale (the learning rate is used 100 times
too small). Without a fault it trains the real NumPy network, so its results are genuine.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import time

import numpy as np

from backends.numpy_backend import NumpyModel


class FaultModel(NumpyModel):
    name = "fault"

    def fit(self, X, y, on_epoch=None):
        fault = os.environ.get("NNBENCH_FAULT", "")
        if fault == "raise":
            raise RuntimeError("injected failure")
        if fault == "crash":
            os._exit(3)
        if fault == "segfault":
            ctypes.string_at(0)
        if fault == "oom":
            resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
            hog = [np.ones(1 << 27) for _ in range(64)]  # 64 GiB requested, 2 GiB allowed
            del hog
        if fault == "oom-kill":
            os.kill(os.getpid(), signal.SIGKILL)
        if fault == "hang":
            time.sleep(3600)
        if fault == "grad-sign":
            self._flip_first_layer_gradient()
        if fault == "lr-scale":
            self.train = self.train.replace(lr=self.train.lr / 100)
        if fault in ("nan", "slow"):
            def wrapped(epoch, loss):
                if fault == "slow":
                    time.sleep(0.2)
                return on_epoch(epoch, float("nan") if fault == "nan" and epoch == 2 else loss)
            return super().fit(X, y, on_epoch=wrapped)
        return super().fit(X, y, on_epoch=on_epoch)

    def _flip_first_layer_gradient(self) -> None:
        mlp = self._mlp
        backprop = mlp._backprop

        def buggy(buf, x, t, l2):
            value = backprop(buf, x, t, l2)
            mlp.weight_grads[0] *= -1  # the bug: the first layer climbs the loss
            return value

        mlp._backprop = buggy
