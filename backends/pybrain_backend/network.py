"""A NetSpec built as a PyBrain FeedForwardNetwork, and its parameters in the canonical layout.

The structure is the one PyBrain's `buildNetwork` makes: a LinearLayer input, one layer per
hidden size, an output layer, a FullConnection between consecutive layers and, with
`bias=True`, one BiasUnit with a FullConnection to every non-input layer; `sortModules()`
then gathers every connection's parameters into the network's one flat `params` vector (and
`derivs` alongside), each connection keeping a view of its slice. Modules and connections are
named, so PyBrain's order of that vector (modules sorted topologically, roots and connections
by name) is the same every time; the mapping below goes through each connection's own view,
so it does not depend on that order.

A FullConnection from a layer of `fan_in` units to one of `fan_out` holds its weights as a
row-major (fan_out, fan_in) matrix; the canonical W is its transpose, (fan_in, fan_out). A bias
connection's (fan_out, 1) parameters are b.
"""

from __future__ import annotations

import numpy as np

from backends.pybrain_backend.compat import (
    BiasUnit,
    FeedForwardNetwork,
    FullConnection,
    LinearLayer,
)
from backends.pybrain_backend.layers import HIDDEN, output_layer
from bench.spec import NetSpec


class PybrainNetwork:
    """The PyBrain network of a spec, with views of its weights and biases."""

    def __init__(self, spec: NetSpec) -> None:
        self.spec = spec
        net = FeedForwardNetwork(name="net")
        depth = len(spec.layers) - 1
        layers = [LinearLayer(spec.layers[0], name="layer0")]
        layers += [HIDDEN[spec.activation](size, name=f"layer{i + 1}")
                   for i, size in enumerate(spec.hidden)]
        layers.append(output_layer(spec.output, spec.loss)(spec.layers[-1], name=f"layer{depth}"))
        net.addInputModule(layers[0])
        for layer in layers[1:-1]:
            net.addModule(layer)
        net.addOutputModule(layers[-1])
        self.weight_connections = []
        for i, (lower, upper) in enumerate(zip(layers[:-1], layers[1:])):
            connection = FullConnection(lower, upper, name=f"weights{i}")
            net.addConnection(connection)
            self.weight_connections.append(connection)
        self.bias_connections: list[FullConnection | None] = [None] * depth
        if spec.bias:
            bias = BiasUnit(name="bias")
            net.addModule(bias)
            for i, upper in enumerate(layers[1:]):
                connection = FullConnection(bias, upper, name=f"bias{i}")
                net.addConnection(connection)
                self.bias_connections[i] = connection
        net.sortModules()
        self.net = net
        self.layers = layers
        if net.paramdim != spec.n_params:
            raise AssertionError(f"PyBrain built {net.paramdim} parameters, the spec has "
                                 f"{spec.n_params}")
        # where each weight matrix lies in the flat vector (for l2, which skips the biases)
        self.weight_slices = [self._slice(c) for c in self.weight_connections]

    def _slice(self, connection: FullConnection) -> slice:
        params = self.net.params
        view = connection.params
        if not np.shares_memory(view, params):
            raise AssertionError(f"{connection.name} does not hold a view of the network's "
                                 "parameters")
        start = (view.__array_interface__["data"][0]
                 - params.__array_interface__["data"][0]) // params.itemsize
        return slice(start, start + view.size)

    # --- parameters ---------------------------------------------------------------------------

    def set_weights(self, weights) -> None:
        """Copy [(W (fan_in, fan_out), b or None), ...] into the connections' parameters."""
        for (W, b), wc, bc in zip(weights, self.weight_connections, self.bias_connections):
            wc.params[:] = np.asarray(W, dtype=np.float64).T.ravel()
            if bc is not None:
                bc.params[:] = np.asarray(b, dtype=np.float64)

    def get_weights(self, dtype) -> list[tuple[np.ndarray, np.ndarray | None]]:
        """Copies of [(W, b), ...] in the canonical layout, in `dtype`."""
        out = []
        for wc, bc in zip(self.weight_connections, self.bias_connections):
            W = wc.params.reshape(wc.outdim, wc.indim).T.astype(dtype)
            b = None if bc is None else bc.params.astype(dtype)
            out.append((W, b))
        return out

    def penalty(self, l2: float) -> float:
        """l2/2 * sum of the squared weights (biases excluded)."""
        if not l2:
            return 0.0
        params = self.net.params
        return 0.5 * l2 * sum(float(np.vdot(params[s], params[s])) for s in self.weight_slices)

    # --- forward pass -------------------------------------------------------------------------

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Output activations for the rows of X (float64), one `activate` per row."""
        X = np.ascontiguousarray(X, dtype=np.float64)
        out = np.empty((X.shape[0], self.spec.n_outputs))
        activate = self.net.activate
        for i in range(X.shape[0]):
            out[i] = activate(X[i])
        return out
