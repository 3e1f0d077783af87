"""Response model of an imported taxonomy version."""
from __future__ import annotations

from datetime import datetime

from matcher.schema_fields import StoredPublic


class TaxonomyVersionPublic(StoredPublic):
    release: str
    languages: str
    counts: dict
    is_active: bool
    created_at: datetime
