"""Shortage tables as offices get them, read with pandas: CSV (comma or semicolon, UTF-8 or the
Windows encoding Excel writes) and Excel workbooks, with the sheet, the header row and the column
of each field chosen by options, and every bad row reported in one run.

``skillmatch`` format: ``isco_code`` (4 digits) or ``occupation_uri``, ``territory`` (a province
abbreviation such as ``FI``, a 3-digit ISTAT province code, or ``IT``), ``indicator`` (0..1, e.g.
Excelsior's share of hires that employers find hard to fill; ``--percent`` or a ``%`` sign for
0..100), ``source``, ``period`` (``2025``, ``2025-Q3`` or ``2025-10``). A field the file lacks can be
given once for every row (``territory``, ``source``, ``period``).
``eures`` format: the EURES shortage/surplus lists by ISCO code (``expected_isco``,
``shortage_countries``, ``surplus_countries``): Italy in the shortage list gives 1.0, in the surplus
list 0.0; the period is the report's year (from the option, else from the file name).
"""
from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import asdict, dataclass, field

from matcher.vacancies.shortage.territory import TerritoryResolver

PERIOD = re.compile(r"^\d{4}(-(Q[1-4]|0[1-9]|1[0-2]))?$")
URI = re.compile(r"^https?://data\.europa\.eu/esco/occupation/[A-Za-z0-9._-]+$")
ISCO = re.compile(r"^(\d{4})(\.0+)?$")  # Excel keeps codes as numbers: 5120 or 5120.0
FIELDS = {"skillmatch": ("isco_code", "occupation_uri", "territory", "indicator", "source", "period"),
          "eures": ("isco_code", "shortage_countries", "surplus_countries")}
DEFAULT_COLUMNS = {"eures": {"isco_code": "expected_isco"}}
EXCEL = (".xlsx", ".xlsm", ".xls")
MAX_PROBLEMS = 200


class ShortageFileError(ValueError):
    """A shortage file that cannot be imported; ``problems`` names every bad row (file, row, field)."""

    def __init__(self, message: str, problems: list[str] | None = None):
        self.problems = problems or [message]
        super().__init__(message)


@dataclass
class ShortageRow:
    isco_code: str | None
    occupation_uri: str | None
    territory: str
    indicator: float
    source: str
    period: str


@dataclass(frozen=True)
class ShortageOptions:
    format: str = "skillmatch"  # skillmatch | eures
    sheet: str | None = None  # Excel: a sheet name or its number (1 = the first)
    header_row: int = 1  # the row that holds the column names (published tables have titles above)
    columns: dict[str, str] = field(default_factory=dict)  # field -> the file's column name
    territory: str | None = None  # for every row, when the file has no such column
    source: str | None = None
    period: str | None = None
    percent: bool = False  # indicators are 0..100
    country: str = "IT"  # eures: the country whose lists count


def parse_columns(specs: list[str]) -> dict[str, str]:
    """``FIELD=COLUMN`` options (the CLI's ``--column``, the API's ``column``) as a mapping."""
    columns = {}
    for spec in specs:
        field_name, sep, column = spec.partition("=")
        if not sep or not field_name.strip() or not column.strip():
            raise ShortageFileError(f"column {spec!r}: write FIELD=COLUMN, e.g. indicator=Difficoltà di reperimento (%)")
        columns[field_name.strip()] = column.strip()
    return columns


def file_checksum(raw: bytes, options: ShortageOptions) -> str:
    """Same bytes read the same way: the same import. Another sheet or column is another import."""
    return hashlib.sha256(raw + json.dumps(asdict(options), sort_keys=True).encode()).hexdigest()


def _frame(raw: bytes, name: str, options: ShortageOptions):  # noqa: ANN202 - a pandas DataFrame of strings
    import pandas as pd

    header = options.header_row - 1
    try:
        if name.lower().endswith(EXCEL):
            sheet: str | int = 0
            if options.sheet:
                sheet = int(options.sheet) - 1 if options.sheet.isdigit() else options.sheet
            return pd.read_excel(io.BytesIO(raw), sheet_name=sheet, header=header, dtype=str, keep_default_na=False)
        for encoding in ("utf-8-sig", "cp1252"):  # Excel's "CSV" on Windows is cp1252
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ShortageFileError(f"{name}: neither UTF-8 nor Windows-1252 text: save it as CSV UTF-8")
        return pd.read_csv(io.StringIO(text), sep=None, engine="python", header=header, dtype=str, keep_default_na=False,
                           skip_blank_lines=False)
    except ShortageFileError:
        raise
    except ValueError as exc:  # an unknown sheet, a header row past the end
        raise ShortageFileError(f"{name}: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - whatever the parsers raise, the user needs the file named
        raise ShortageFileError(f"{name}: cannot be read as {'Excel' if name.lower().endswith(EXCEL) else 'CSV'} "
                                f"({exc.__class__.__name__}: {exc})") from None


def read_shortage_table(raw: bytes, name: str, options: ShortageOptions | None = None) -> list[ShortageRow]:
    """Every row of the file as a signal, or a ShortageFileError listing every bad row."""
    options = options or ShortageOptions()
    if options.format not in FIELDS:
        raise ShortageFileError(f"unknown format {options.format!r}: skillmatch or eures")
    unknown = set(options.columns) - set(FIELDS[options.format])
    if unknown:
        raise ShortageFileError(f"no field {', '.join(sorted(unknown))} in the {options.format} format "
                                f"(fields: {', '.join(FIELDS[options.format])})")
    frame = _frame(raw, name, options)
    frame.columns = [str(c).strip() for c in frame.columns]
    columns = {f: options.columns.get(f) or DEFAULT_COLUMNS.get(options.format, {}).get(f, f) for f in FIELDS[options.format]}
    unit = "row" if name.lower().endswith(EXCEL) else "line"
    first = options.header_row + 1
    if options.format == "eures":
        return _eures(frame, name, options, columns, unit, first)
    return _skillmatch(frame, name, options, columns, unit, first)


def _require(frame, name: str, options: ShortageOptions, needed: list[str], columns: dict[str, str], unit: str) -> None:  # noqa: ANN001
    missing = [f"{f} (column {columns[f]!r})" if columns[f] != f else f for f in needed if columns[f] not in frame.columns]
    if missing:
        raise ShortageFileError(f"{name}, {unit} {options.header_row}: missing "
                                f"{', '.join(missing)}; the columns are {', '.join(frame.columns)} (choose them with the "
                                f"column options, or give a value for every row)")


def _skillmatch(frame, name: str, options: ShortageOptions, columns: dict[str, str], unit: str, first: int) -> list[ShortageRow]:  # noqa: ANN001
    constants = {"territory": options.territory, "source": options.source, "period": options.period}
    needed = ["indicator"] + [f for f, v in constants.items() if v is None]
    _require(frame, name, options, needed, columns, unit)
    if columns["isco_code"] not in frame.columns and columns["occupation_uri"] not in frame.columns:
        _require(frame, name, options, ["isco_code"], columns, unit)
    places = TerritoryResolver()
    rows: list[ShortageRow] = []
    problems: list[str] = []
    for i, r in enumerate(frame.to_dict("records"), start=first):
        def cell(f: str, r: dict = r) -> str:
            value = constants.get(f)
            return (value if value is not None else str(r.get(columns[f], ""))).strip()

        if not any(str(v).strip() for v in r.values()):
            continue  # blank rows between blocks of a published table
        row, bad = _row(cell, options, places)
        problems += [f"{name}, {unit} {i}, field {columns[f] if f in columns else f}: {msg}" for f, msg in bad]
        if row is not None:
            rows.append(row)
    _raise_if(problems, name)
    return rows


def _row(cell, options: ShortageOptions, places) -> tuple[ShortageRow | None, list[tuple[str, str]]]:  # noqa: ANN001
    """The row's signal, or (None, each field's problem)."""
    bad: list[tuple[str, str]] = []
    code, uri = cell("isco_code"), cell("occupation_uri")
    isco = ISCO.match(code)
    if not code and not uri:
        bad.append(("isco_code", "give an ISCO-08 code or an ESCO occupation URI"))
    if code and not isco:
        bad.append(("isco_code", f"{code!r} is not a 4-digit ISCO-08 code"))
    if uri and not URI.match(uri):
        bad.append(("occupation_uri", f"{uri!r} is not an ESCO occupation URI"))
    territory = indicator = None
    try:
        territory = places.resolve(cell("territory"))
    except ValueError as exc:
        bad.append(("territory", str(exc)))
    try:
        indicator = _indicator(cell("indicator"), options)
    except ValueError as exc:
        bad.append(("indicator", str(exc)))
    if not cell("source"):
        bad.append(("source", "empty"))
    if not PERIOD.match(cell("period")):
        bad.append(("period", f"{cell('period')!r} is not YYYY, YYYY-Qn or YYYY-MM"))
    if bad:
        return None, bad
    assert territory is not None and indicator is not None  # read, or reported in bad
    return ShortageRow(isco.group(1) if isco else None, uri or None, territory, indicator, cell("source")[:120], cell("period")), []


def _indicator(value: str, options: ShortageOptions) -> float:
    text = value.replace(",", ".").strip()
    percent = options.percent or text.endswith("%")
    try:
        number = float(text.rstrip("%").strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a number") from None
    if percent:
        if not 0.0 <= number <= 100.0:
            raise ValueError(f"{number} is not a percentage between 0 and 100")
        return round(number / 100.0, 6)
    if not 0.0 <= number <= 1.0:
        raise ValueError(f"{number} is not between 0 and 1 (a percentage? use --percent)")
    return number


def _eures(frame, name: str, options: ShortageOptions, columns: dict[str, str], unit: str, first: int) -> list[ShortageRow]:  # noqa: ANN001
    _require(frame, name, options, list(FIELDS["eures"]), columns, unit)
    period = options.period or _year_in(name)
    if period is None or not PERIOD.match(period):
        raise ShortageFileError(f"{name}: give the report's period (--period 2025): the file name does not say it")
    country = options.country.upper()
    rows: list[ShortageRow] = []
    problems: list[str] = []
    for i, r in enumerate(frame.to_dict("records"), start=first):
        raw_code = str(r[columns["isco_code"]]).strip()
        code = ISCO.match(raw_code)
        if not code:
            problems.append(f"{name}, {unit} {i}, field {columns['isco_code']}: {raw_code!r} is not a 4-digit ISCO-08 code")
            continue
        short = set(str(r[columns["shortage_countries"]]).upper().replace(",", " ").split())
        surplus = set(str(r[columns["surplus_countries"]]).upper().replace(",", " ").split())
        if country in short or country in surplus:
            rows.append(ShortageRow(code.group(1), None, "IT" if country == "IT" else country, 1.0 if country in short else 0.0,
                                    options.source or "EURES shortage and surplus report", period))
    _raise_if(problems, name)
    return rows


def _year_in(name: str) -> str | None:
    years = re.findall(r"(?<!\d)(20\d\d)(?!\d)", name.rsplit("/", 1)[-1])
    return years[0] if years else None


def _raise_if(problems: list[str], name: str) -> None:
    if problems:
        shown = problems[:MAX_PROBLEMS]
        more = f"\n… and {len(problems) - MAX_PROBLEMS} more" if len(problems) > MAX_PROBLEMS else ""
        raise ShortageFileError(f"{name}: {len(problems)} problem(s), nothing was written:\n" + "\n".join(shown) + more, problems)


def parse_shortage_csv(text: str, name: str = "shortage.csv", fmt: str = "skillmatch") -> list[ShortageRow]:
    """A CSV already decoded (the API's body, tests): the same rules as a file."""
    return read_shortage_table(text.encode("utf-8"), name, ShortageOptions(format=fmt))
