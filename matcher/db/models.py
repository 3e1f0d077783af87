"""Every table of skillmatch, imported here so that Alembic sees them all."""
from .people_models import (  # noqa: F401
    ApiKey, AuditEvent, Decision, MatchRecord, Organisation, Person, PersonKey, Profile, RevokedToken, User,
    ValidatedSkill,
)
from .taxonomy_models import Concept, ConceptLabel, ConceptRelation, OccupationSkill, TaxonomyVersion  # noqa: F401
from .vacancy_models import ShortageSignal, Vacancy  # noqa: F401
from .network_models import Consent, Internship, InternshipAssessment, Measure, Referral  # noqa: F401
