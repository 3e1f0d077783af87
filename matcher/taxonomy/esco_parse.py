"""Read and check an ESCO CSV bundle into memory, merging languages by ``conceptUri``.

Nothing is written here: the import writes only a bundle that parsed without error, so a bad
file never leaves half a taxonomy behind.
"""
from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from matcher.taxonomy.errors import BundleError
from matcher.taxonomy.esco_files import BundleFile

csv.field_size_limit(10_000_000)

URI = re.compile(r"^https?://data\.europa\.eu/esco/[A-Za-z-]+/[A-Za-z0-9._-]+$")
ISCO4 = re.compile(r"^\d{4}$")
SKILL_TYPES = {"skill/competence", "knowledge", ""}
RELATION_TYPES = {"essential", "optional"}

REQUIRED = {
    "occupations": ["conceptUri", "preferredLabel", "altLabels"],
    "skills": ["conceptUri", "preferredLabel", "altLabels"],
    "isco_groups": ["conceptUri", "code", "preferredLabel"],
    "skill_groups": ["conceptUri", "preferredLabel"],
    "occupation_skill": ["occupationUri", "relationType", "skillUri"],
    "skill_skill": ["originalSkillUri", "relationType", "relatedSkillUri"],
    "broader_occupations": ["conceptUri", "broaderUri"],
    "broader_skills": ["conceptUri", "broaderUri"],
    "skills_hierarchy": ["Level 0 URI"],
}
CONCEPT_KIND = {"occupations": "occupation", "skills": "skill", "isco_groups": "isco_group", "skill_groups": "skill_group"}


@dataclass
class ParsedConcept:
    uri: str
    kind: str
    code: str | None = None
    isco_code: str | None = None
    skill_type: str | None = None
    reuse_level: str | None = None
    # (language, label_type, text)
    labels: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class ParsedBundle:
    concepts: dict[str, ParsedConcept] = field(default_factory=dict)
    occupation_skills: list[tuple[str, str, str]] = field(default_factory=list)  # occ uri, skill uri, relation
    relations: list[tuple[str, str, str]] = field(default_factory=list)  # source, target, relation
    languages: set[str] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)  # what each file of extra labels added or skipped
    rows_read: int = 0


def _split(cell: str | None) -> list[str]:
    return [s.strip() for s in (cell or "").split("\n") if s.strip()]


def read_rows(f: BundleFile, on_row: Callable[[], None] | None = None) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line where the record starts, row) and check the header and field counts."""
    with f.opener() as fh:
        reader = csv.reader(fh)
        try:
            header = next(reader)
        except StopIteration:
            raise BundleError(f.name, 1, None, "the file is empty (no header)") from None
        header = [h.strip() for h in header]
        missing = [c for c in REQUIRED[f.kind] if c not in header]
        if missing:
            raise BundleError(f.name, 1, missing[0], f"missing column(s) {', '.join(missing)}; header is {', '.join(header)}")
        tolerant = f.kind == "skills_hierarchy"  # the official file has rows of uneven length
        start = reader.line_num + 1
        try:
            for values in reader:
                if not values or all(not v.strip() for v in values):
                    start = reader.line_num + 1
                    continue
                if len(values) != len(header) and not tolerant:
                    raise BundleError(f.name, start, None, f"{len(values)} fields where the header has {len(header)}")
                yield start, dict(zip(header, values))
                if on_row:
                    on_row()
                start = reader.line_num + 1
        except csv.Error as exc:
            raise BundleError(f.name, reader.line_num, None, f"malformed CSV: {exc}") from None
        except UnicodeDecodeError as exc:
            raise BundleError(f.name, None, None, f"not UTF-8 text: {exc}") from None


def _uri(f: BundleFile, line: int, column: str, value: str) -> str:
    value = value.strip()
    if not URI.match(value):
        raise BundleError(f.name, line, column, f"malformed ESCO URI {value!r}")
    return value


ORDER = ["isco_groups", "skill_groups", "occupations", "skills", "broader_occupations", "broader_skills",
         "occupation_skill", "skill_skill", "skills_hierarchy"]


def parse_bundle(files: list[BundleFile], on_row: Callable[[], None] | None = None,
                 on_file: Callable[[BundleFile], None] | None = None) -> ParsedBundle:
    bundle = ParsedBundle()
    # URIs the bundle declares in its hierarchy files without a row of their own (a quirk of
    # official releases: ESCO v1.1.1 relates one withdrawn occupation); relations naming them
    # are skipped with a warning, while a URI unknown to the whole bundle is an error.
    declared: set[str] = set()
    for f in files:
        if f.kind in ("broader_occupations", "broader_skills"):
            for _, row in read_rows(f):
                declared.add(row["conceptUri"].strip())
    skipped: dict[str, int] = {}
    # main files first, so that files of extra labels find every concept of the bundle
    for f in sorted(files, key=lambda f: (f.extra, ORDER.index(f.kind), f.language or "")):
        if on_file:
            on_file(f)
        if f.language:
            bundle.languages.add(f.language)
        if f.extra:
            _merge_labels(f, bundle, on_row)
        elif f.kind in CONCEPT_KIND:
            _parse_concepts(f, bundle, on_row)
        elif f.kind == "occupation_skill":
            seen: set[tuple[str, str]] = set()
            for line, row in read_rows(f, on_row):
                bundle.rows_read += 1
                occ = _uri(f, line, "occupationUri", row["occupationUri"])
                skill = _uri(f, line, "skillUri", row["skillUri"])
                rel = row["relationType"].strip()
                if rel not in RELATION_TYPES:
                    raise BundleError(f.name, line, "relationType", f"{rel!r} is not essential or optional")
                if not _known(bundle, declared, skipped, f, line, ("occupationUri", occ, "occupation"), ("skillUri", skill, "skill")):
                    continue
                if (occ, skill) in seen:
                    continue  # the same relation in two language files
                seen.add((occ, skill))
                bundle.occupation_skills.append((occ, skill, rel))
        elif f.kind == "skill_skill":
            for line, row in read_rows(f, on_row):
                bundle.rows_read += 1
                a = _uri(f, line, "originalSkillUri", row["originalSkillUri"])
                b = _uri(f, line, "relatedSkillUri", row["relatedSkillUri"])
                if _known(bundle, declared, skipped, f, line, ("originalSkillUri", a, "skill"), ("relatedSkillUri", b, "skill")):
                    bundle.relations.append((a, b, "skill_" + (row["relationType"].strip() or "related")))
        elif f.kind in ("broader_occupations", "broader_skills"):
            for line, row in read_rows(f, on_row):
                bundle.rows_read += 1
                a = _uri(f, line, "conceptUri", row["conceptUri"])
                b = _uri(f, line, "broaderUri", row["broaderUri"])
                if _known(bundle, declared, skipped, f, line, ("conceptUri", a, None), ("broaderUri", b, None)):
                    bundle.relations.append((a, b, "broader"))
        elif f.kind == "skills_hierarchy":
            for line, row in read_rows(f, on_row):  # checked for well-formed URIs; the hierarchy itself comes from broader relations
                bundle.rows_read += 1
                for level in range(4):
                    col = f"Level {level} URI"
                    if (row.get(col) or "").strip():
                        _uri(f, line, col, row[col])
    for name, n in skipped.items():
        bundle.warnings.append(f"{name}: skipped {n} relation row(s) naming a concept that the bundle lists only in its hierarchy")
    _dedupe_relations(bundle)
    for concept in bundle.concepts.values():
        concept.labels = _one_preferred(concept.labels)
    return bundle


def _one_preferred(labels: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """One preferred label and one description per language, the first read; a second preferred
    label (another file or release of the same language) becomes an alternative; no repeats."""
    out: dict[tuple[str, str, str], None] = {}
    has: set[tuple[str, str]] = set()
    for lang, typ, text in labels:
        if typ in ("preferred", "description"):
            if (lang, typ) in has:
                if typ == "description":
                    continue
                typ = "alternative"
            else:
                has.add((lang, typ))
        if typ == "alternative" and (lang, "preferred", text) in out:
            continue
        out.setdefault((lang, typ, text), None)
    return list(out)


def _merge_labels(f: BundleFile, bundle: ParsedBundle, on_row: Callable[[], None] | None) -> None:
    """Labels of another release or translation, merged by conceptUri into the concepts the main
    bundle has; concepts it does not have (withdrawn or added in another release) are skipped."""
    kind = CONCEPT_KIND[f.kind]
    merged = skipped = 0
    for line, row in read_rows(f, on_row):
        bundle.rows_read += 1
        uri = _uri(f, line, "conceptUri", row["conceptUri"])
        concept = bundle.concepts.get(uri)
        pref = " ".join(row["preferredLabel"].split())
        if concept is None or concept.kind != kind or not pref:
            skipped += 1
            continue
        merged += 1
        _add_labels(concept, f.language or "en", pref, row)
    note = f"{f.name}: {f.language} labels merged into {merged} {kind}s"
    if skipped:
        note += f"; {skipped} row(s) skipped (concepts the main bundle does not have: another ESCO release)"
    bundle.merged.append(note)


def _add_labels(concept: ParsedConcept, lang: str, pref: str, row: dict[str, str]) -> None:
    concept.labels.append((lang, "preferred", pref))
    for alt in _split(row.get("altLabels")):
        concept.labels.append((lang, "alternative", alt))
    for hid in _split(row.get("hiddenLabels")):
        concept.labels.append((lang, "hidden", hid))
    desc = (row.get("description") or "").strip()
    if desc:
        concept.labels.append((lang, "description", desc))


def _known(bundle: ParsedBundle, declared: set[str], skipped: dict[str, int], f: BundleFile, line: int,
           *ends: tuple[str, str, str | None]) -> bool:
    for column, uri, kind in ends:
        concept = bundle.concepts.get(uri)
        if concept is None:
            if uri in declared:
                skipped[f.name] = skipped.get(f.name, 0) + 1
                return False
            raise BundleError(f.name, line, column, f"relation names an unknown concept {uri}")
        if kind and concept.kind != kind:
            raise BundleError(f.name, line, column, f"{uri} is a {concept.kind}, not a {kind}")
    return True


def _dedupe_relations(bundle: ParsedBundle) -> None:
    bundle.relations = list(dict.fromkeys(bundle.relations))


def _parse_concepts(f: BundleFile, bundle: ParsedBundle, on_row: Callable[[], None] | None) -> None:
    kind = CONCEPT_KIND[f.kind]
    lang = f.language or "en"
    seen: set[str] = set()
    for line, row in read_rows(f, on_row):
        bundle.rows_read += 1
        uri = _uri(f, line, "conceptUri", row["conceptUri"])
        if uri in seen:
            raise BundleError(f.name, line, "conceptUri", f"duplicate concept {uri}")
        seen.add(uri)
        pref = " ".join(row["preferredLabel"].split())
        if not pref:
            raise BundleError(f.name, line, "preferredLabel", "empty preferred label")
        concept = bundle.concepts.get(uri)
        if concept is None:
            concept = bundle.concepts[uri] = ParsedConcept(uri, kind)
        elif concept.kind != kind:
            raise BundleError(f.name, line, "conceptUri", f"{uri} is already a {concept.kind}")
        if kind == "occupation":
            isco = (row.get("iscoGroup") or "").strip()
            if isco:
                if not ISCO4.match(isco):
                    raise BundleError(f.name, line, "iscoGroup", f"ISCO-08 group {isco!r} is not 4 digits")
                if concept.isco_code and concept.isco_code != isco:
                    bundle.warnings.append(f"{f.name}, line {line}: iscoGroup {isco} differs from {concept.isco_code}; kept the first")
                concept.isco_code = concept.isco_code or isco
            concept.code = concept.code or (row.get("code") or "").strip() or None
        elif kind == "isco_group":
            code = row["code"].strip()
            if not re.fullmatch(r"\d{1,4}", code):
                raise BundleError(f.name, line, "code", f"ISCO-08 code {code!r} is not 1 to 4 digits")
            tail = uri.rsplit("/", 1)[-1]
            if tail.startswith("C") and tail[1:].isdigit() and tail[1:] != code:
                raise BundleError(f.name, line, "code", f"ISCO-08 code {code!r} does not match the URI ({tail[1:]}): leading zeros lost?")
            concept.code = code
        elif kind == "skill":
            st = (row.get("skillType") or "").strip()
            if st not in SKILL_TYPES:
                raise BundleError(f.name, line, "skillType", f"{st!r} is not skill/competence or knowledge")
            concept.skill_type = concept.skill_type or st or None
            concept.reuse_level = concept.reuse_level or (row.get("reuseLevel") or "").strip() or None
        elif kind == "skill_group":
            concept.code = concept.code or (row.get("code") or "").strip() or None
        _add_labels(concept, lang, pref, row)
