"""The matcher the service uses, loaded in the background at start-up and swappable at run time."""
from __future__ import annotations

import logging
import os
import threading
import time

from matcher.db.database import open_database
from matcher.matching.matcher import SkillMatcher
from matcher.registry.store import Registry
from matcher.settings import Settings
from matcher.taxonomy.models import TaxonomyVersion
from matcher.taxonomy.snapshot import load_taxonomy_cached

log = logging.getLogger("skillmatch.api")


class MatcherState:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.matcher: SkillMatcher | None = None
        self.error: str | None = None
        self.loading = False
        self._again = False
        self._lock = threading.Lock()
        self._checked = 0.0
        self._stamp = None  # the registry's serving stamp the loaded matcher follows

    def registry(self):  # noqa: ANN201
        return Registry(self.settings.registry_dir)

    def follow_active_taxonomy(self, session, every_s: float = 10.0) -> None:  # noqa: ANN001
        """Each worker notices, at most every ``every_s`` seconds, that another worker (or the CLI)
        activated another taxonomy version, and loads its matcher in the background; requests keep
        the current one until the new one is ready."""
        now = time.monotonic()
        if self.loading or now - self._checked < every_s:
            return
        self._checked = now
        from sqlalchemy import select

        active = session.scalar(select(TaxonomyVersion.id).where(TaxonomyVersion.is_active.is_(True)))
        current = self.get()
        if active is not None and (current is None or current.taxonomy_.version_id != active):
            # only load: the worker that imported builds the index; until it is saved, try again later
            self.load_async(build=False)
        elif current is not None and self.registry().serving_stamp() != self._stamp:
            self.load_async(build=False)  # a model version was promoted or rolled back (here or by the CLI)

    def load_async(self, build: bool = True) -> None:
        with self._lock:
            if self.loading:  # a load is under way: it loads once more when done, to see the latest state
                self._again = True
                return
            self.loading, self._again = True, False
        threading.Thread(target=self._load, args=(build,), name="matcher-loader", daemon=True).start()

    def encoder_threads(self) -> int:
        """Workers share the cores: several encoders each using every core only fight over them."""
        if self.settings.encoder_threads:
            return self.settings.encoder_threads
        return max(1, (os.cpu_count() or 1) // max(1, self.settings.workers))

    def _load(self, build: bool = True) -> None:
        t0 = time.perf_counter()
        try:
            with open_database(self.settings, migrate=False)() as session:
                taxonomy = load_taxonomy_cached(session, self.settings.registry_dir / "taxonomies")
            registry = self.registry()
            stamp = registry.serving_stamp()
            info = registry.get(registry.serving("matcher"))
            m = self._fit(taxonomy, info.path, build)  # builtin: no path, the hand-set fusion
            if m.model_id_ != "builtin" and m.taxonomy_.version_id != info.taxonomy_version:
                log.warning("model %s was trained on taxonomy %s; the active one is %s", info.id, info.taxonomy_version,
                            m.taxonomy_.version_id)
            self.swap(m)
            self._stamp = stamp
            self.error = None
            log.info("matcher ready (%s) in %.1f s", m.model_version, time.perf_counter() - t0)
        except Exception as exc:  # noqa: BLE001 - reported by /ready, never crashes the service
            self.error = f"{exc.__class__.__name__}: {exc}"
            log.error("matcher not loaded: %s", self.error)
        finally:
            with self._lock:
                again, self._again = self._again, False
                self.loading = again
            if again:
                threading.Thread(target=self._load, args=(build,), name="matcher-loader", daemon=True).start()

    def _fit(self, taxonomy, model, build: bool) -> SkillMatcher:  # noqa: ANN001
        def fit(model_path):  # noqa: ANN001, ANN202
            m = SkillMatcher(encoder=self.settings.encoder, registry_dir=self.settings.registry_dir,
                             max_chars=self.settings.max_text_chars, encoder_threads=self.encoder_threads(),
                             build_if_missing=build, model=model_path)
            return m.fit(taxonomy, progress=lambda stage, done, total: log.info("index %s %s/%s", stage, done, total)
                         if total and done % 20000 < 256 else None)

        if model is None:
            return fit(None)
        try:
            return fit(model)
        except Exception as exc:  # a promoted model that cannot load here must not stop the service
            if self.get() is not None:
                raise  # keep serving the current one; /ready and the log say why
            log.error("serving model %s cannot be loaded (%s); serving the untrained matcher", model, exc)
            return fit(None)

    def swap(self, matcher: SkillMatcher) -> None:
        """Requests in flight keep the matcher they took; new ones get this one."""
        with self._lock:
            self.matcher = matcher

    def get(self) -> SkillMatcher | None:
        with self._lock:
            return self.matcher
