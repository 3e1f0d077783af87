"""Several uvicorn workers, each listening on its own socket of the same port (SO_REUSEPORT).

uvicorn's own workers share one listening socket, and whichever worker wins the first accepts keeps
the connections: with 16 keep-alive clients and 2 workers (`bench/load.py --matches-only`), one
worker spent 46 CPU seconds on matches and the other 3, so two workers served like one. With one
socket per worker the kernel spreads new connections over the workers by their address hash. The
supervisor starts a worker again when one dies, and stops them all on SIGINT/SIGTERM.
"""
from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import threading
import time
from types import FrameType

import uvicorn

log = logging.getLogger("skillmatch.server")
APP = "api.app:app_factory"
BACKLOG = 2048  # uvicorn's default
EARLY_EXIT_S = 10.0  # a worker that dies this soon after its start fails at start: no point starting it again


class WorkerStartError(RuntimeError):
    """A worker exited right after it started (the reason is in its log above)."""


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to host:port that other sockets of this user may bind too (one per worker)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def _worker(host: str, port: int, log_level: str) -> None:
    sock = listening_socket(host, port)
    sock.listen(BACKLOG)
    config = uvicorn.Config(APP, factory=True, log_level=log_level, access_log=True)
    uvicorn.Server(config).run(sockets=[sock])


def serve(host: str, port: int, workers: int, log_level: str) -> None:
    """Serve the API with ``workers`` processes; raises OSError when host:port cannot be bound."""
    if workers <= 1 or not hasattr(socket, "SO_REUSEPORT"):  # one process, or a system without it
        uvicorn.run(APP, factory=True, host=host, port=port, workers=workers, log_level=log_level, access_log=True)
        return
    listening_socket(host, port).close()  # a port already taken fails here, once, with the reason
    ctx = multiprocessing.get_context("spawn")  # fresh interpreters: no state copied from this one
    stopping = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}

    started: dict[int, float] = {}

    def start(n: int) -> multiprocessing.process.BaseProcess:
        p = ctx.Process(target=_worker, args=(host, port, log_level), name=f"skillmatch-worker-{n}")
        p.start()
        started[n] = time.monotonic()
        return p

    procs = [start(n) for n in range(workers)]
    logging.basicConfig(level=log_level.upper(), format="%(levelname)s:     %(message)s")
    log.info("serving on %s:%d with %d workers (one socket each)", host, port, workers)
    try:
        while not stopping.wait(0.5):
            for n, p in enumerate(procs):
                if not p.is_alive() and not stopping.is_set():
                    if time.monotonic() - started[n] < EARLY_EXIT_S:
                        raise WorkerStartError(f"worker {n} exited with {p.exitcode} right after it started")
                    log.warning("worker %d (pid %s) exited with %s; starting it again", n, p.pid, p.exitcode)
                    procs[n] = start(n)
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()  # uvicorn finishes the requests in flight on SIGTERM
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
        for s, handler in previous.items():
            signal.signal(s, handler)
