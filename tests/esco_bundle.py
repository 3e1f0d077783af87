"""A small ESCO bundle in the official CSV format (it + en), written by the tests themselves."""
from __future__ import annotations

import csv
from pathlib import Path

E = "http://data.europa.eu/esco"
OCC_HEADER = ["conceptType", "conceptUri", "iscoGroup", "preferredLabel", "altLabels", "hiddenLabels", "status",
              "modifiedDate", "regulatedProfessionNote", "scopeNote", "definition", "inScheme", "description", "code"]
SKILL_HEADER = ["conceptType", "conceptUri", "skillType", "reuseLevel", "preferredLabel", "altLabels", "hiddenLabels",
                "status", "modifiedDate", "scopeNote", "definition", "inScheme", "description"]
ISCO_HEADER = ["conceptType", "conceptUri", "code", "preferredLabel", "status", "altLabels", "inScheme", "description"]
REL_HEADER = ["occupationUri", "relationType", "skillType", "skillUri"]
BROADER_HEADER = ["conceptType", "conceptUri", "broaderType", "broaderUri"]

COOK = f"{E}/occupation/c0000000-0000-0000-0000-000000000001"
BRICKLAYER = f"{E}/occupation/c0000000-0000-0000-0000-000000000002"
SHEPHERD = f"{E}/occupation/c0000000-0000-0000-0000-000000000003"  # Italian labels only
WEBDEV = f"{E}/occupation/c0000000-0000-0000-0000-000000000004"  # English labels only
OFFICER = f"{E}/occupation/c0000000-0000-0000-0000-000000000005"


def skill(n: int) -> str:
    return f"{E}/skill/50000000-0000-0000-0000-{n:012d}"


SKILLS = {
    1: ("prepare vegetables", "cut vegetables\nwash and chop vegetables", "skill/competence"),
    2: ("cook meat dishes", "grill meat", "skill/competence"),
    3: ("operate a wood-fired oven", "use pizza oven", "skill/competence"),
    4: ("lay bricks", "build brick walls\nbrick laying", "skill/competence"),
    5: ("mix concrete", "prepare mortar", "skill/competence"),
    6: ("food safety and hygiene", "hygiene in the kitchen", "knowledge"),
    7: ("tend sheep and goats", "herd livestock", "skill/competence"),
    8: ("milk animals", "milking", "skill/competence"),
    9: ("develop websites", "write JavaScript\nweb programming", "skill/competence"),
    10: ("read construction plans", "interpret building drawings", "skill/competence"),
}
# Skills no test narrative speaks of: a real taxonomy has thousands, and the matcher standardises
# similarities over them, so a handful of relevant skills alone would be no fair test.
DISTRACTORS = [
    "manage musical staff", "calibrate laboratory equipment", "audit financial statements", "design aircraft engines",
    "negotiate insurance claims", "translate legal documents", "program industrial robots", "teach mathematics",
    "repair watches", "operate a printing press", "perform dental cleaning", "analyse soil samples",
    "manage hotel reservations", "prepare tax returns", "install solar panels", "conduct market research",
    "monitor air traffic", "restore paintings", "train guide dogs", "edit video footage",
    "maintain railway tracks", "inspect aircraft", "compose music", "manage investment portfolios",
    "perform surgery", "write news articles", "test software", "sell insurance policies",
    "handle customs documents", "drive a forklift", "fit eyeglasses", "tune pianos",
    "manage social media", "assess credit risk", "design logos", "operate x-ray machines",
    "coach athletes", "survey land", "shear sheep wool by machine", "brew beer",
]
for i, label in enumerate(DISTRACTORS, start=100):
    SKILLS[i] = (label, "", "skill/competence")
RELATIONS = [(OFFICER, "optional", 100)] + [
    (COOK, "essential", 1), (COOK, "essential", 2), (COOK, "essential", 6), (COOK, "optional", 3),
    (BRICKLAYER, "essential", 4), (BRICKLAYER, "essential", 5), (BRICKLAYER, "essential", 10),
    (SHEPHERD, "essential", 7), (SHEPHERD, "essential", 8),
    (WEBDEV, "essential", 9),
]
ISCO = [("0110", "Commissioned armed forces officers", "Ufficiali delle forze armate"),
        ("5120", "Cooks", "Cuochi"), ("7112", "Bricklayers and related workers", "Muratori"),
        ("6121", "Livestock and dairy producers", "Allevatori"), ("2513", "Web and multimedia developers", "Sviluppatori web")]


def _write(path: Path, header: list[str], rows: list[dict], bom: bool = False) -> None:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header, quoting=csv.QUOTE_MINIMAL)
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in header})


def occupation_rows(lang: str) -> list[dict]:
    rows = []
    if lang == "en":
        rows += [
            {"conceptType": "Occupation", "conceptUri": COOK, "iscoGroup": "5120", "preferredLabel": "cook",
             "altLabels": "restaurant cook\nline cook", "description": "Cooks prepare and present food."},
            {"conceptType": "Occupation", "conceptUri": BRICKLAYER, "iscoGroup": "7112", "preferredLabel": "bricklayer",
             "altLabels": "mason\nbrick mason", "description": "Bricklayers build walls."},
            {"conceptType": "Occupation", "conceptUri": WEBDEV, "iscoGroup": "2513", "preferredLabel": "web developer",
             "altLabels": "website programmer\nJavaScript developer"},
            {"conceptType": "Occupation", "conceptUri": OFFICER, "iscoGroup": "0110", "preferredLabel": "army officer",
             "altLabels": ""},
        ]
    else:
        rows += [
            {"conceptType": "Occupation", "conceptUri": COOK, "preferredLabel": "cuoco/cuoca",
             "altLabels": "cuoco di ristorante\ncuoca di ristorante", "hiddenLabels": "cucinière"},
            {"conceptType": "Occupation", "conceptUri": BRICKLAYER, "preferredLabel": "muratore/muratrice",
             "altLabels": "muratore edile"},
            {"conceptType": "Occupation", "conceptUri": SHEPHERD, "iscoGroup": "6121", "preferredLabel": "pastore/pastora",
             "altLabels": "allevatore di pecore\ncasaro di montagna"},
            {"conceptType": "Occupation", "conceptUri": OFFICER, "preferredLabel": "ufficiale dell'esercito"},
        ]
    return rows


def write_bundle(root: Path, languages: tuple[str, ...] = ("it", "en"), bare_relations: bool = True, bom: bool = True) -> list[Path]:
    """Write one folder per language, like the ZIPs of the ESCO portal; return the folders."""
    dirs = []
    for lang in languages:
        d = root / lang
        d.mkdir(parents=True, exist_ok=True)
        _write(d / f"occupations_{lang}.csv", OCC_HEADER, occupation_rows(lang), bom=bom)
        _write(d / f"ISCOGroups_{lang}.csv", ISCO_HEADER, [
            {"conceptType": "ISCOGroup", "conceptUri": f"{E}/isco/C{code}", "code": code,
             "preferredLabel": en if lang == "en" else it} for code, en, it in ISCO])
        if lang == "en":
            _write(d / "skills_en.csv", SKILL_HEADER, [
                {"conceptType": "KnowledgeSkillCompetence", "conceptUri": skill(n), "skillType": st,
                 "reuseLevel": "sector-specific", "preferredLabel": pref, "altLabels": alt}
                for n, (pref, alt, st) in SKILLS.items()])
            rel_name = "occupationSkillRelations.csv" if bare_relations else "occupationSkillRelations_en.csv"
            _write(d / rel_name, REL_HEADER, [
                {"occupationUri": o, "relationType": r, "skillType": SKILLS[s][2], "skillUri": skill(s)} for o, r, s in RELATIONS
                if o != SHEPHERD or "it" in languages])
            _write(d / "broaderRelationsOccPillar.csv", BROADER_HEADER, [
                {"conceptType": "Occupation", "conceptUri": COOK, "broaderType": "ISCOGroup", "broaderUri": f"{E}/isco/C5120"},
                {"conceptType": "Occupation", "conceptUri": BRICKLAYER, "broaderType": "ISCOGroup", "broaderUri": f"{E}/isco/C7112"},
            ])
        dirs.append(d)
    return dirs
