"""Every table of skillmatch, imported here so that Alembic (and ``Base.metadata``) sees them all."""
from matcher.accounts.models import ApiKey, AuditEvent, Organisation, RevokedToken, User
from matcher.caseload.models import BatchRun, VacancySuggestion
from matcher.network.models import Consent, Internship, InternshipAssessment, Measure, Referral
from matcher.people.models import Decision, MatchRecord, Person, PersonKey, Profile, ValidatedSkill
from matcher.taxonomy.models import Concept, ConceptLabel, ConceptRelation, OccupationSkill, TaxonomyVersion
from matcher.vacancies.models import ShortageSignal, Vacancy

__all__ = ["ApiKey", "AuditEvent", "BatchRun", "Concept", "ConceptLabel", "ConceptRelation", "Consent", "Decision", "Internship",
           "InternshipAssessment", "MatchRecord", "Measure", "OccupationSkill", "Organisation", "Person", "PersonKey", "Profile",
           "Referral", "RevokedToken", "ShortageSignal", "TaxonomyVersion", "User", "ValidatedSkill", "Vacancy", "VacancySuggestion"]
