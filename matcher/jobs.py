"""Long jobs (a taxonomy import, an index build) run in a background thread, with their progress
in a small JSON file per job, so that every service worker and page can follow them."""
from __future__ import annotations

import json
import os
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class JobState:
    id: str
    kind: str
    status: str = "queued"  # queued | running | done | failed
    stage: str = ""
    done: int = 0
    total: int | None = None
    message: str = ""
    result: dict = field(default_factory=dict)
    started_at: float = field(default_factory=time.time)
    finished_at: float | None = None


def redact_paths(message: str, folders: list[Path]) -> str:
    """A job's error is read by admins over HTTP: it names files, never the server's folders."""
    for folder in sorted({str(Path(f).resolve()) for f in folders} | {str(f) for f in folders}, key=len, reverse=True):
        if folder and folder != ".":
            message = message.replace(folder.rstrip("/") + "/", "")
    # any other absolute path (a model folder, a library's file) is named by its last part only
    return _ABSOLUTE.sub(lambda m: m.group(2), message)


_ABSOLUTE = re.compile(r"(?<![\w.:/])((?:/[^\s'\"/:]+)+)/([^\s'\"/:]+)")


class Job:
    def __init__(self, root: Path, kind: str):
        self.redact = [Path(root)]
        self.dir = Path(root) / "jobs"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.state = JobState(uuid.uuid4().hex[:12], kind)
        self._last = 0.0
        self.save(force=True)

    def save(self, force: bool = False) -> None:
        now = time.time()
        if not force and now - self._last < 0.5:  # progress is written at most twice a second
            return
        self._last = now
        tmp = self.dir / f".{self.state.id}.tmp"
        tmp.write_text(json.dumps(asdict(self.state)), encoding="utf-8")
        os.replace(tmp, self.dir / f"{self.state.id}.json")

    def progress(self, stage: str, done: int, total: int | None) -> None:
        self.state.stage, self.state.done, self.state.total = stage, done, total
        self.save()

    def start(self, work: Callable[[Job], dict]) -> str:
        def run() -> None:
            self.state.status = "running"
            self.save(force=True)
            try:
                self.state.result = work(self) or {}
                self.state.status = "done"
            except Exception as exc:  # noqa: BLE001 - the job reports any failure, in words
                self.state.status, self.state.message = "failed", redact_paths(str(exc), self.redact)
            self.state.finished_at = time.time()
            self.save(force=True)

        threading.Thread(target=run, name=f"job-{self.state.id}", daemon=True).start()
        return self.state.id


def read_job(root: Path, job_id: str) -> dict | None:
    if not job_id.isalnum():
        return None
    path = Path(root) / "jobs" / f"{job_id}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
