"""A real Ray cluster on this machine, for tests and measurements: a head node and worker
nodes started with `ray start --block` on 127.0.0.1, each in a process group of its own, all
marked by an environment variable so that `stop` ends every process they started (raylets,
agents, Ray workers) by pid, and nothing else on the machine (never `ray stop`, which would
stop other people's Ray too).

    with LocalCluster(nodes=2, cpus=1) as cluster:
        ... nnbench run --executor ray --address cluster.address ...
        cluster.kill_node(1)        # the worker node, as if its machine died

`python -m tests.bench.execution.ray_cluster` starts one and prints its address until Ctrl-C.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[3]
#: set to 0 by an embedded Ray (bench/execution/ray_executor.py); a cluster node must not see it
NO_CLUSTER_VARIABLE = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"
MARKER = "NNBENCH_TEST_RAY_CLUSTER"
#: marks the processes of one node (its raylet, its Ray workers, their runs): kill_node ends them
NODE_MARKER = "NNBENCH_TEST_RAY_NODE"
#: seconds a node may take to join; a whole cluster start is bounded by nodes x this
START_SECONDS = 90.0
RESOURCE = "nnbench_node"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def node_ip(index: int) -> str:
    """Node `index`'s loopback address: 127.0.0.2, 127.0.0.3, ... Ray replaces 127.0.0.1 (that
    spelling of loopback only) by the machine's network address, and distinct addresses tell
    the nodes apart in the records."""
    return f"127.0.0.{index + 2}"


def ray_command() -> str:
    return str(Path(sys.executable).with_name("ray"))


class LocalCluster:
    """`nodes` Ray nodes of `cpus` CPUs each on 127.0.0.1 (node 0 is the head)."""

    def __init__(self, nodes: int = 2, cpus: int = 1,
                 node_env: dict[int, dict[str, str]] | None = None) -> None:
        self.nodes, self.cpus = nodes, cpus
        #: variables of one node's processes only (e.g. a data directory it lacks)
        self.node_env = node_env or {}
        self.marker = uuid.uuid4().hex
        # short: Ray's socket paths live under it, and a Unix socket path has ~107 bytes
        self.temp_dir = Path(tempfile.mkdtemp(prefix="nnray-", dir="/tmp"))
        self.port = free_port()
        self.address = f"{node_ip(0)}:{self.port}"
        self.procs: list[subprocess.Popen | None] = []
        # an embedded Ray started earlier in this process (the executor's own test) leaves
        # RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 behind, which makes `ray start --address` refuse
        inherited = {k: v for k, v in os.environ.items() if k != NO_CLUSTER_VARIABLE}
        self.env = {**inherited, MARKER: self.marker, "RAY_USAGE_STATS_ENABLED": "0",
                    # loopback only: no token (a token file in ~/.ray would otherwise be
                    # demanded of every client)
                    "RAY_AUTH_MODE": "disabled",
                    # a lost node is noticed within seconds, not half a minute
                    "RAY_health_check_period_ms": "1000",
                    "RAY_health_check_failure_threshold": "3",
                    "PYTHONPATH": os.pathsep.join(
                        p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH")) if p)}

    def _start_node(self, index: int) -> None:
        env = {**self.env, **self.node_env.get(index, {}), NODE_MARKER: self._node_mark(index)}
        common = [f"--num-cpus={self.cpus}", f"--resources={json.dumps({RESOURCE: 1})}",
                  f"--node-ip-address={node_ip(index)}", "--object-store-memory=100000000",
                  f"--dashboard-agent-listen-port={free_port()}", "--disable-usage-stats",
                  "--block"]
        if index == 0:
            args = ["--head", f"--port={self.port}", f"--temp-dir={self.temp_dir}",
                    "--include-dashboard=false", f"--dashboard-port={free_port()}",
                    f"--ray-client-server-port={free_port()}"]
        else:
            args = [f"--address={self.address}"]
        log = open(self.temp_dir / f"node{index}.log", "wb")  # noqa: SIM115 (kept open)
        self.procs.append(subprocess.Popen([ray_command(), "start", *args, *common],
                                           env=env, stdout=log, stderr=log,
                                           stdin=subprocess.DEVNULL, start_new_session=True))
        log.close()

    def _start_node_retrying(self, index: int, tries: int = 3) -> None:
        """Start node `index` until it joins, `tries` times at most: on a loaded machine Ray
        gives up on a node that takes over 30 s to register, and `ray start` exits."""
        for attempt in range(1, tries + 1):
            self._start_node(index)
            try:
                self.wait_for(index + 1, alive_while=self.procs[index])
                return
            except RuntimeError:
                self.kill_node(index)
                self.procs.pop()
                if attempt == tries:
                    raise

    def alive_nodes(self) -> int:
        """How many nodes the cluster sees alive (-1: the head cannot be reached)."""
        code = (f"import ray; ray.init(address={self.address!r}, logging_level='ERROR'); "
                "print(sum(1 for n in ray.nodes() if n['Alive']))")
        try:
            out = subprocess.run([sys.executable, "-c", code], env=self.env, timeout=60,
                                 capture_output=True, text=True)
            return int(out.stdout.strip().splitlines()[-1])
        except (subprocess.TimeoutExpired, ValueError, IndexError):
            return -1

    def wait_for(self, alive: int, seconds: float = START_SECONDS,
                 alive_while: subprocess.Popen | None = None) -> None:
        """Until the cluster has `alive` nodes: RuntimeError after `seconds`, or as soon as
        `alive_while` (a node's `ray start`) has exited."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.alive_nodes() == alive:
                return
            if alive_while is not None and alive_while.poll() is not None:
                break
            time.sleep(1)
        raise RuntimeError(f"the Ray cluster did not reach {alive} alive node(s) within "
                           f"{seconds:g} s; logs in {self.temp_dir}")

    def start(self) -> LocalCluster:
        # the janitor ends the cluster once this process is gone, however it ends (a test
        # run killed by a timeout runs no finalizer): it waits for its stdin to close
        self.janitor = subprocess.Popen(
            [sys.executable, "-c", "import sys; sys.stdin.read(); from tests.bench.execution."
             f"ray_cluster import kill_marked; kill_marked({self.marker!r})"],
            cwd=PROJECT_ROOT, env={k: v for k, v in self.env.items() if k != MARKER},
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        try:
            for index in range(self.nodes):
                self._start_node_retrying(index)
        except BaseException:
            self.stop()
            raise
        return self

    def kill_node(self, index: int) -> None:
        """Kill node `index` outright (SIGKILL to its processes), as if its machine died."""
        proc = self.procs[index]
        if proc is not None:
            _kill_group(proc)
            self.procs[index] = None
        # its Ray workers and the runs they forked (process groups of their own), as a dead
        # machine's would be: a worker left alive could still hand its run's result back
        kill_marked(self._node_mark(index), variable=NODE_MARKER)

    def _node_mark(self, index: int) -> str:
        return f"{self.marker}-{index}"

    def stop(self) -> None:
        """End every process of the cluster: the nodes' groups, then anything else that
        carries the marker (Ray workers run in groups of their own)."""
        for index in reversed(range(len(self.procs))):
            self.kill_node(index)
        kill_marked(self.marker)
        janitor = getattr(self, "janitor", None)
        if janitor is not None:
            janitor.stdin.close()
            try:
                janitor.wait(timeout=60)
            except subprocess.TimeoutExpired:
                janitor.kill()

    def __enter__(self) -> LocalCluster:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def kill_marked(marker: str, seconds: float = 30, variable: str | None = None) -> None:
    """SIGKILL every process marked with `marker` (in `variable`, default MARKER) until none
    is left (`seconds` at most)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        left = marked_pids(marker, variable or MARKER)
        if not left:
            return
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.5)


def marked_pids(marker: str, variable: str | None = None) -> list[int]:
    """The processes whose environment holds MARKER=marker, or `variable`=marker (this one
    excluded)."""
    needle = f"{variable or MARKER}={marker}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


if __name__ == "__main__":
    with LocalCluster(nodes=int(sys.argv[1]) if len(sys.argv) > 1 else 2) as cluster:
        print(f"Ray cluster at {cluster.address} (temp dir {cluster.temp_dir}); Ctrl-C stops "
              "it", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
