"""Every table of skillmatch, imported here so that Alembic sees them all."""
from matcher.network.models import Consent, Internship, InternshipAssessment, Measure, Referral  # noqa: F401
from matcher.taxonomy.models import Concept, ConceptLabel, ConceptRelation, OccupationSkill, TaxonomyVersion  # noqa: F401
from matcher.vacancies.models import ShortageSignal, Vacancy  # noqa: F401
