"""A small ESCO bundle for the training tests: 16 occupations in 12 ISCO groups, pairs of them
close in title or in tasks, so that an untrained matcher errs on some examples and training has
something to learn. Official CSV format, it + en, written by the tests."""
from __future__ import annotations

from pathlib import Path

from .esco_bundle import BROADER_HEADER, DISTRACTORS, ISCO_HEADER, OCC_HEADER, REL_HEADER, SKILL_HEADER, E, _write

# (isco, en label, en alternatives, it label, it alternatives, description, essential skills)
OCCUPATIONS = [
    ("5120", "cook", "restaurant cook", "cuoco/cuoca", "cuoco di ristorante", "Cooks prepare meals in restaurants.",
     ["prepare vegetables", "cook meat dishes", "food safety and hygiene"]),
    ("9411", "pizza maker", "pizzaiolo", "pizzaiolo/pizzaiola", "addetto al forno pizza", "Pizza makers prepare and bake pizzas.",
     ["stretch pizza dough", "operate a wood-fired oven", "prepare pizza toppings"]),
    ("5131", "waiter", "server", "cameriere/cameriera", "cameriere di sala", "Waiters serve food and drinks to guests.",
     ["take food orders", "serve food at the table", "set tables"]),
    ("5132", "bartender", "barman", "barista", "addetto al bar", "Bartenders prepare drinks at the bar.",
     ["prepare coffee", "mix cocktails", "handle cash payments"]),
    ("7112", "bricklayer", "mason", "muratore/muratrice", "muratore edile", "Bricklayers build walls.",
     ["lay bricks", "mix concrete", "read construction plans"]),
    ("7122", "tile layer", "tiler", "piastrellista", "posatore di piastrelle", "Tile layers fix tiles to walls and floors.",
     ["cut tiles", "apply tile adhesive", "level floor screed"]),
    ("6121", "shepherd", "sheep herder", "pastore/pastora", "allevatore di pecore", "Shepherds tend flocks.",
     ["tend sheep and goats", "milk animals", "make cheese"]),
    ("9214", "garden labourer", "gardening worker", "giardiniere/giardiniera", "manutentore del verde", "Garden labourers maintain parks.",
     ["mow lawns", "prune hedges", "operate a brush cutter"]),
    ("9211", "crop farm worker", "fruit picker", "bracciante agricolo/bracciante agricola", "raccoglitore di frutta",
     "Crop farm workers plant and harvest crops.", ["harvest fruit", "plant seedlings", "water plants"]),
    ("9333", "warehouse worker", "picker", "magazziniere/magazziniera", "addetto al magazzino", "Warehouse workers store goods.",
     ["pick orders with a scanner", "pack goods", "drive a forklift"]),
    ("8322", "delivery driver", "courier driver", "autista consegne", "corriere", "Delivery drivers bring parcels to customers.",
     ["drive a van", "deliver parcels", "plan delivery routes"]),
    ("5322", "home care aide", "caregiver", "badante", "assistente familiare", "Home care aides help elderly people at home.",
     ["help with personal hygiene", "give medicines on schedule", "prepare meals for elderly people"]),
    ("5321", "healthcare assistant", "nursing aide", "operatore socio-sanitario/operatrice socio-sanitaria", "OSS",
     "Healthcare assistants support nurses in hospitals and care homes.", ["help with personal hygiene", "move patients safely", "measure vital signs"]),
    ("9112", "office cleaner", "cleaner", "addetto alle pulizie/addetta alle pulizie", "operatore delle pulizie",
     "Cleaners clean offices and hospitals.", ["clean floors", "sanitise rooms", "empty waste bins"]),
    ("7531", "tailor", "dressmaker", "sarto/sarta", "sarta su misura", "Tailors make garments to measure.",
     ["take body measurements", "cut fabric from patterns", "sew garments by hand"]),
    ("2513", "web developer", "website programmer", "sviluppatore web/sviluppatrice web", "programmatore web",
     "Web developers build websites.", ["develop websites", "write JavaScript", "test software"]),
]


def occ_uri(i: int) -> str:
    return f"{E}/occupation/d0000000-0000-0000-0000-{i:012d}"


def skill_uri(i: int) -> str:
    return f"{E}/skill/60000000-0000-0000-0000-{i:012d}"


def write_training_bundle(root: Path) -> list[Path]:
    skills = list(dict.fromkeys(s for o in OCCUPATIONS for s in o[6])) + DISTRACTORS
    sid = {s: i for i, s in enumerate(skills, 1)}
    groups = sorted({o[0] for o in OCCUPATIONS})
    dirs = []
    for lang in ("en", "it"):
        d = root / lang
        d.mkdir(parents=True, exist_ok=True)
        rows = []
        for i, (isco, en, en_alt, it, it_alt, desc, _) in enumerate(OCCUPATIONS, 1):
            rows.append({"conceptType": "Occupation", "conceptUri": occ_uri(i), "iscoGroup": isco,
                         "preferredLabel": en if lang == "en" else it, "altLabels": en_alt if lang == "en" else it_alt,
                         "description": desc if lang == "en" else ""})
        _write(d / f"occupations_{lang}.csv", OCC_HEADER, rows)
        _write(d / f"ISCOGroups_{lang}.csv", ISCO_HEADER, [
            {"conceptType": "ISCOGroup", "conceptUri": f"{E}/isco/C{g}", "code": g, "preferredLabel": f"group {g}"} for g in groups])
        if lang == "en":
            _write(d / "skills_en.csv", SKILL_HEADER, [
                {"conceptType": "KnowledgeSkillCompetence", "conceptUri": skill_uri(n), "skillType": "skill/competence",
                 "reuseLevel": "sector-specific", "preferredLabel": s} for s, n in sid.items()])
            _write(d / "occupationSkillRelations.csv", REL_HEADER, [
                {"occupationUri": occ_uri(i), "relationType": "essential", "skillType": "skill/competence", "skillUri": skill_uri(sid[s])}
                for i, o in enumerate(OCCUPATIONS, 1) for s in o[6]])
            _write(d / "broaderRelationsOccPillar.csv", BROADER_HEADER, [
                {"conceptType": "Occupation", "conceptUri": occ_uri(i), "broaderType": "ISCOGroup", "broaderUri": f"{E}/isco/C{o[0]}"}
                for i, o in enumerate(OCCUPATIONS, 1)])
        dirs.append(d)
    return dirs
