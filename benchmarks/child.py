"""A benchmark target in its own process: `python benchmarks/child.py FACTORY JSON_ARGS`.

Started by `harness.Remote` for Keras on another engine than the benchmark process's (the
engine is fixed when keras is first imported). It builds and warms the target
(`harness.FACTORIES[FACTORY](*JSON_ARGS)`), prints `ready` (or `unsupported: REASON`), then
answers each `call` line on stdin by running the target once and printing `done`, until
`quit` or the end of its input.
"""

from __future__ import annotations

import json
import sys


def main(argv: list[str]) -> int:
    import harness  # after the environment (thread variables, KERAS_BACKEND) is in force

    factory, args = argv[0], json.loads(argv[1])
    try:
        target = harness.FACTORIES[factory](*args)
    except harness.Unsupported as reason:
        print(f"unsupported: {reason}", flush=True)
        return 0
    print("ready", flush=True)
    try:
        for line in sys.stdin:
            if line.strip() != "call":
                break
            target()
            print("done", flush=True)
    finally:
        getattr(target, "close", lambda: None)()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
