"""The neuron layers a spec can ask for, as PyBrain modules.

PyBrain ships LinearLayer, SigmoidLayer, TanhLayer and SoftmaxLayer; the other activations are
written here the way PyBrain extends itself: `NeuronLayer` subclasses with a
`_forwardImplementation(inbuf, outbuf)` and a `_backwardImplementation(outerr, inerr, outbuf,
inbuf)` that turns the error at a layer's output (`outerr`, -dE/da in PyBrain's sign
convention) into the error at its weighted sums (`inerr`, -dE/dz).

Two output layers differ from PyBrain's only in their backward pass, for the spec's losses:

- PyBrain's SoftmaxLayer passes the error straight through (its backward pass assumes the
  error handed to it is already the fused cross-entropy error t - a at the weighted sums).
  That is used as it is for softmax + categorical cross-entropy; for softmax + mse,
  `JacobianSoftmaxLayer` applies the softmax Jacobian instead.
- For sigmoid + binary cross-entropy, `FusedSigmoidLayer` is a SigmoidLayer whose backward
  pass, like PyBrain's SoftmaxLayer, passes the (fused) error through: the trainer hands it
  (t - a) / n_outputs, which is exactly -dL/dz, instead of an error at the output that
  SigmoidLayer would multiply by a (1 - a).

Derivatives at the kinks follow the spec (relu'(0) = 0, leaky_relu'(0) = slope, elu'(0) = 1)
and are written in terms of the activation, as in the NumPy backend.
"""

from __future__ import annotations

import numpy as np

from backends.pybrain_backend.compat import (
    LinearLayer,
    NeuronLayer,
    SigmoidLayer,
    SoftmaxLayer,
    TanhLayer,
)
from bench.spec.constants import ELU_ALPHA, LEAKY_RELU_SLOPE, STEP_THRESHOLD


class ReluLayer(NeuronLayer):
    """max(z, 0)."""

    def _forwardImplementation(self, inbuf, outbuf):
        np.maximum(inbuf, 0, out=outbuf)

    def _backwardImplementation(self, outerr, inerr, outbuf, inbuf):
        np.multiply(outerr, outbuf > 0, out=inerr)


class LeakyReluLayer(NeuronLayer):
    """z for z > 0, else LEAKY_RELU_SLOPE * z."""

    def _forwardImplementation(self, inbuf, outbuf):
        np.maximum(inbuf, inbuf * LEAKY_RELU_SLOPE, out=outbuf)

    def _backwardImplementation(self, outerr, inerr, outbuf, inbuf):
        inerr[:] = outerr
        np.multiply(outerr, LEAKY_RELU_SLOPE, out=inerr, where=outbuf <= 0)


class EluLayer(NeuronLayer):
    """z for z >= 0, else ELU_ALPHA * (exp(z) - 1)."""

    def _forwardImplementation(self, inbuf, outbuf):
        negative = inbuf < 0
        outbuf[:] = inbuf
        np.expm1(inbuf, out=outbuf, where=negative)
        np.multiply(outbuf, ELU_ALPHA, out=outbuf, where=negative)

    def _backwardImplementation(self, outerr, inerr, outbuf, inbuf):
        inerr[:] = outerr
        np.multiply(outerr, outbuf + ELU_ALPHA, out=inerr, where=outbuf <= 0)


class StepLayer(NeuronLayer):
    """The course's threshold unit: 1 where z >= STEP_THRESHOLD, else 0 (forward only)."""

    def _forwardImplementation(self, inbuf, outbuf):
        outbuf[:] = inbuf >= STEP_THRESHOLD

    def _backwardImplementation(self, outerr, inerr, outbuf, inbuf):
        raise ValueError("a step layer has no gradient; it cannot be trained by backprop")


class FusedSigmoidLayer(SigmoidLayer):
    """PyBrain's sigmoid, whose backward pass takes the fused error at z (sigmoid + BCE)."""

    def _backwardImplementation(self, outerr, inerr, outbuf, inbuf):
        inerr[:] = outerr


class JacobianSoftmaxLayer(SoftmaxLayer):
    """PyBrain's softmax with the full Jacobian in its backward pass: a * (e - <e, a>)."""

    def _backwardImplementation(self, outerr, inerr, outbuf, inbuf):
        np.multiply(outbuf, outerr - np.dot(outerr, outbuf), out=inerr)


#: hidden layers by spec activation
HIDDEN = {
    "step": StepLayer,
    "sigmoid": SigmoidLayer,
    "tanh": TanhLayer,
    "relu": ReluLayer,
    "leaky_relu": LeakyReluLayer,
    "elu": EluLayer,
    "linear": LinearLayer,
}


def output_layer(output: str, loss: str) -> type:
    """The output layer for (output activation, loss); see the module docstring."""
    if output == "softmax":
        return SoftmaxLayer if loss == "categorical_crossentropy" else JacobianSoftmaxLayer
    if output == "sigmoid":
        return FusedSigmoidLayer if loss == "binary_crossentropy" else SigmoidLayer
    return {"linear": LinearLayer, "step": StepLayer}[output]
