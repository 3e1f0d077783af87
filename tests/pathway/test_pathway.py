from __future__ import annotations

from matcher.pathway.rules import PathwayRules, PersonFacts, decide

OCC = {
    "uri": "occ:cook", "label": "cuoco/cuoca", "isco_code": "5120",
    "essential_skills_shown": [
        {"uri": "s:veg", "label": "prepare vegetables", "evidence": [{"start": 0, "end": 8, "text": "tagliavo"}]},
        {"uri": "s:meat", "label": "cook meat dishes", "evidence": []},
    ],
    "essential_skills_missing": [{"uri": "s:hygiene", "label": "food safety"}, {"uri": "s:fish", "label": "cook fish"}],
}


def test_documented_and_covered_is_certifiable():
    d = decide(OCC, PersonFacts(years_experience=5, document_kinds={"employment_contract"}), model=PathwayRules(0.5, 0.3, 1))
    assert d.pathway == "certifiable"
    assert d.coverage == 0.5 and d.documented_coverage == 0.5
    assert any("employment_contract" in r for r in d.reasons["en"]) and any("certificazione" in r for r in d.reasons["it"])
    assert d.skills_to_observe == []


def test_informal_with_years_and_coverage_goes_to_internship_with_skills_to_observe():
    d = decide(OCC, PersonFacts(years_experience=4, document_kinds={"none"}), close_to_shown={"s:fish": "cook meat dishes"},
               model=PathwayRules(0.5, 0.3, 1))
    assert d.pathway == "internship_validation"
    observed = {s["uri"]: s["why"] for s in d.skills_to_observe}
    assert observed == {"s:veg": "narrative", "s:meat": "narrative", "s:fish": "close"}
    assert "s:hygiene" not in observed  # missing and not close to anything shown
    assert any("tirocinio" in r for r in d.reasons["it"]) and any("internship" in r for r in d.reasons["en"])
    assert d.evidence[0]["evidence"][0]["text"] == "tagliavo"


def test_low_coverage_means_training_listing_the_missing_skills():
    low = {**OCC, "essential_skills_shown": OCC["essential_skills_shown"][:1]}
    d = decide(low, PersonFacts(years_experience=10), model=PathwayRules(0.6, 0.4, 1))  # 1 of 3 shown
    assert d.pathway == "training"
    assert {s["uri"] for s in d.missing_skills} == {"s:hygiene", "s:fish"}
    assert any("formazione" in r for r in d.reasons["it"])


def test_few_years_means_training_even_with_coverage():
    d = decide(OCC, PersonFacts(years_experience=0.5), model=PathwayRules(0.6, 0.3, 1))
    assert d.pathway == "training" and any("years" in r for r in d.reasons["en"])


def test_validated_skills_count_as_documented_evidence():
    facts = PersonFacts(years_experience=3, validated_skills={"s:veg", "s:meat", "s:hygiene"})
    d = decide(OCC, facts, model=PathwayRules(0.6, 0.3, 1))
    assert d.pathway == "certifiable"  # 3 of 4 essential skills validated in an internship
    assert d.documented_coverage == 0.75


def test_rules_have_the_estimator_shape():
    rules = PathwayRules().fit([[0, 0, 0, 0]], ["training"])
    assert list(rules.predict([[0.9, 0.9, 1, 5], [0.5, 0.0, 0, 3], [0.1, 0.0, 0, 3]])) == [
        "certifiable", "internship_validation", "training"]


def test_naming_the_job_as_done_means_an_internship_not_training():
    """A short narrative cannot spell out every essential skill: "facevo il cuoco" for two years is
    observed at work (all essential skills to observe), and the reasons say what counted."""
    named = {**OCC, "essential_skills_shown": OCC["essential_skills_shown"][:1],
             "title_evidence": [{"start": 0, "end": 15, "text": "facevo il cuoco"}]}
    d = decide(named, PersonFacts(years_experience=2), model=PathwayRules(0.6, 0.4, 1))  # 1 of 3 shown
    assert d.pathway == "internship_validation"
    assert {s["uri"]: s["why"] for s in d.skills_to_observe} == {"s:veg": "narrative", "s:hygiene": "title", "s:fish": "title"}
    assert any("facevo il cuoco" in r and "2 anni" in r for r in d.reasons["it"])
    assert decide(named, PersonFacts(years_experience=0.5), model=PathwayRules(0.6, 0.4, 1)).pathway == "training"
    unnamed = {**named, "title_evidence": []}
    assert decide(unnamed, PersonFacts(years_experience=2), model=PathwayRules(0.6, 0.4, 1)).pathway == "training"


def test_a_match_marks_where_the_text_names_the_occupation(tmp_path):
    from matcher.db.database import open_database
    from matcher.matching.matcher import SkillMatcher
    from matcher.settings import load_settings
    from matcher.taxonomy.esco_import import import_bundle
    from matcher.taxonomy.in_memory import load_taxonomy
    from tests.esco_bundle import COOK, write_bundle

    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite'}", data_dir=tmp_path / "var")
    with open_database(settings)() as s:
        import_bundle(s, write_bundle(tmp_path / "esco"), release="titles")
        taxonomy = load_taxonomy(s)
    m = SkillMatcher(registry_dir=settings.registry_dir, encoder="tfidf").fit(taxonomy)
    text = "Per due anni facevo il cuoco in una trattoria. Poi ho cercato altro."
    cook = next(o for o in m.match(text).occupations if o.uri == COOK)
    assert cook.title_evidence and "cuoco" in cook.title_evidence[0].text
    assert text[cook.title_evidence[0].start:cook.title_evidence[0].end] == cook.title_evidence[0].text
    others = [o for o in m.match("Tagliavo le verdure ogni mattina.").occupations if o.uri == COOK]
    assert not others or not others[0].title_evidence


def test_a_pathway_estimator_pickled_before_the_layout_change_still_loads(tmp_path):
    """Registries hold estimators pickled when the class lived in matcher.training.pathway_model."""
    import pickle

    import numpy as np

    from matcher.matching.artifacts import load_joblib
    from matcher.pathway.learned import LearnedPathway

    X = np.array([[0.9, 0.9, 1.0, 5.0], [0.5, 0.0, 0.0, 3.0], [0.1, 0.0, 0.0, 0.0]] * 4)
    y = np.array(["certifiable", "internship_validation", "training"] * 4)
    model = LearnedPathway(0.8, 0.3, 1.0).fit(X, y)
    old = pickle.dumps(model, protocol=2).replace(b"matcher.pathway.learned", b"matcher.training.pathway_model")
    assert b"matcher.training.pathway_model" in old
    (tmp_path / "pathway.joblib").write_bytes(old)
    loaded = load_joblib(tmp_path / "pathway.joblib")
    assert isinstance(loaded, LearnedPathway) and list(loaded.predict(X[:3])) == list(model.predict(X[:3]))
