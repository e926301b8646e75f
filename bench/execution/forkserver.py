"""A pre-imported process per backend that forks one child per run: imports paid once, a fresh
process per run kept.

The server (`python -m bench.execution.forkserver PREPARE PAYLOAD`) starts with the backend's
thread and engine variables, calls PREPARE (e.g. `bench.execution.worker:prepare`: import the
framework, nnbench and the tasks, load and check every planned split), and then forks one
child per job it is sent. Each child is a process of its own: its own process group (the
runner kills it and whatever it started on a timeout), its own stdout/stderr file, its own
crash, memory and exit status, and it starts from the same post-import state as every other
run of that backend, never from another run's. It is killed if the server dies, and the
server is killed if the nnbench process dies (`child.die_with_parent`).

Protocol, one JSON object a line: the parent sends {"fork": {"id", "target", "payload",
"result", "log"}} or {"quit": true}; the server answers {"ready": {...}} once, then
{"started": id, "pid": n} for each fork and {"exited": id, "code": c} when a child ends (c as
`subprocess` gives it: the exit status, or -N for signal N). The server writes only that to
its stdout (file descriptor 1 is pointed at its stderr while it imports, so a framework that
prints cannot garble the protocol).

Safety after fork: the frameworks are imported, never run, in the server, so no framework
thread pool or runtime exists yet when a child is forked; BLAS pools (OpenBLAS) handle fork
themselves. `ready` reports the server's native threads, for the record.
"""

from __future__ import annotations

import gc
import json
import os
import queue
import select
import signal
import subprocess
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.execution import process
from bench.execution.child import die_with_parent, target_function, write_result

#: how long the parent waits for the server's "ready" (imports, data) and for a fork
READY_SECONDS = 600.0
FORK_SECONDS = 60.0


class ForkServerError(Exception):
    """The server could not start, or answered nonsense; the message says why."""


# ------------------------------------------------------------------------- in the server

def _native_threads() -> int | None:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return None


def _child(job: dict[str, Any], protocol_fd: int) -> None:
    """In the forked child: a process group of its own, output to the job's log, the job run;
    never returns."""
    code = 1
    try:
        os.setpgid(0, 0)
        die_with_parent()
        os.close(protocol_fd)
        log = os.open(job["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        write_result(Path(job["result"]), target_function(job["target"])(job["payload"]))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # the traceback goes to the job's log, the runner reads its tail
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def serve(prepare: str, payload: dict[str, Any]) -> int:
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops the suite, not Ctrl-C here
    protocol_fd = os.dup(1)
    os.dup2(2, 1)
    protocol = os.fdopen(protocol_fd, "w", buffering=1)

    def send(message: dict[str, Any]) -> None:
        protocol.write(json.dumps(message) + "\n")

    try:
        info = target_function(prepare)(payload) or {}
    except BaseException as exc:
        send({"error": f"{type(exc).__name__}: {exc}", "detail": traceback.format_exc()})
        return 1
    # Everything imported so far is kept out of the collector's reach: a collection in a child
    # would otherwise touch every object's header and so copy every page of the server's
    # memory (copy-on-write) before the run has done anything, about 0.3 s with TensorFlow.
    gc.collect()
    gc.freeze()
    send({"ready": {**info, "pid": os.getpid(), "native_threads": _native_threads()}})
    children: dict[int, str] = {}
    buffer, quitting = b"", False
    while not quitting or children:
        readable, _, _ = select.select([] if quitting else [0], [], [], 0.05)
        if readable:
            data = os.read(0, 1 << 16)
            if not data:  # the parent is gone: take every child with us
                for pid in children:
                    _kill_group(pid)
                quitting = True
            buffer += data
            *lines, buffer = buffer.split(b"\n")
            for line in filter(None, lines):
                message = json.loads(line)
                if "quit" in message:
                    quitting = True
                elif "fork" in message:
                    job = message["fork"]
                    pid = os.fork()
                    if pid == 0:
                        _child(job, protocol_fd)
                    try:
                        os.setpgid(pid, pid)  # also here: the parent may kill it at once
                    except OSError:
                        pass
                    children[pid] = job["id"]
                    send({"started": job["id"], "pid": pid})
        _reap(children, send)
    return 0


def _reap(children: dict[int, str], send) -> None:
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        job = children.pop(pid, None)
        if job is not None:
            send({"exited": job, "code": os.waitstatus_to_exitcode(status)})


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


# ------------------------------------------------------------------------- in the parent

@dataclass
class ForkedChild:
    """A run's process, forked by a ForkServer; polled like a `subprocess.Popen`."""

    server: ForkServer
    id: str
    pid: int
    returncode: int | None = None
    #: why it ended without an exit status of its own (its server died), or ""
    lost: str = ""

    def poll(self) -> int | None:
        self.server.pump()
        return self.returncode

    def wait(self, timeout: float = 30.0) -> int | None:
        deadline = time.monotonic() + timeout
        while self.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.returncode


class ForkServer:
    """The parent's handle on one server process (see the module docstring)."""

    def __init__(self, prepare: str, payload: dict[str, Any], env: dict[str, str],
                 log: Path) -> None:
        """Start the server process; `wait_ready` waits for its imports."""
        self.log_path = Path(log)
        self._log = open(self.log_path, "wb")
        self.process = process.start(["-m", "bench.execution.forkserver", prepare,
                                      json.dumps(payload)], env, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self._log)
        self._messages: queue.Queue = queue.Queue()
        self._children: dict[str, ForkedChild] = {}
        self._started: dict[str, int] = {}
        self.dead = ""
        self.info: dict[str, Any] | None = None
        self._since = time.monotonic()
        self.startup_seconds = 0.0
        threading.Thread(target=self._read, name="forkserver-reader", daemon=True).start()

    def wait_ready(self, seconds: float = READY_SECONDS) -> dict[str, Any]:
        """The server's `ready` message (import seconds, pid, native threads); ForkServerError
        (and the server stopped) when it fails or takes longer than `seconds`."""
        while self.info is None:
            self.pump(block=0.05)
            if self.dead:
                self.close()
                raise ForkServerError(self.dead.splitlines()[0])
            if time.monotonic() - self._since > seconds:
                self.close()
                raise ForkServerError(f"not ready after {seconds:g} s")
        self.startup_seconds = time.monotonic() - self._since
        return self.info

    def _read(self) -> None:
        for line in self.process.stdout:
            try:
                self._messages.put(json.loads(line))
            except ValueError:
                self._messages.put({"error": f"unreadable line {line[:200]!r}"})
        self._messages.put(None)

    def _tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-2000:].strip()
        except OSError:
            return ""

    def pump(self, block: float = 0.0) -> None:
        """Handle every message that has arrived (waiting up to `block` s for the first)."""
        while True:
            try:
                message = self._messages.get(timeout=block) if block else \
                    self._messages.get_nowait()
            except queue.Empty:
                return
            block = 0.0
            if message is None:
                last = (self._tail().splitlines() or ["no output"])[-1]
                self._lost(f"its backend's fork server ended (exit {self.process.wait()}: "
                           f"{last})")
            elif "ready" in message:
                self.info = message["ready"]
            elif "started" in message:
                self._started[message["started"]] = message["pid"]
            elif "exited" in message:
                child = self._children.get(message["exited"])
                if child is not None:
                    child.returncode = message["code"]
            elif "error" in message:
                self._lost(message["error"])

    def _lost(self, why: str) -> None:
        self.dead = self.dead or why
        for child in self._children.values():
            if child.returncode is None:
                child.lost = why
                child.returncode = -signal.SIGKILL

    def fork(self, job_id: str, target: str, payload: dict[str, Any], result: Path,
             log: Path) -> ForkedChild:
        """Start a job in a forked child; ForkServerError when the server cannot."""
        if self.dead:
            raise ForkServerError(self.dead)
        request = {"fork": {"id": job_id, "target": target, "payload": payload,
                            "result": str(result), "log": str(log)}}
        try:
            self.process.stdin.write((json.dumps(request) + "\n").encode())
            self.process.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise ForkServerError(f"its process server is gone ({exc})") from None
        deadline = time.monotonic() + FORK_SECONDS
        while job_id not in self._started:
            self.pump(block=0.01)
            if self.dead or time.monotonic() > deadline:
                raise ForkServerError(self.dead or f"no fork within {FORK_SECONDS:g} s")
        child = ForkedChild(self, job_id, self._started.pop(job_id))
        self._children[job_id] = child
        return child

    def close(self) -> None:
        """Ask the server to end (after its children), and make sure it does."""
        if self.process.poll() is None:
            try:
                self.process.stdin.write(b'{"quit": true}\n')
                self.process.stdin.close()
            except (BrokenPipeError, OSError):
                pass
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.stop(self.process)
        self._log.close()


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m bench.execution.forkserver MODULE:PREPARE PAYLOAD_JSON",
              file=sys.stderr)
        return 2
    return serve(argv[0], json.loads(argv[1]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
