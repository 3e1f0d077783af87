"""Every table of skillmatch, imported here so that Alembic sees them all."""
from .taxonomy_models import Concept, ConceptLabel, ConceptRelation, OccupationSkill, TaxonomyVersion  # noqa: F401
