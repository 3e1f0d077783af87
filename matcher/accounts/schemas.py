"""Request and response models of sign-in, organisations, users, API keys and the audit trail."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from matcher.accounts.actors import Role
from matcher.accounts.users import OrganisationKind
from matcher.schema_fields import DbId, StoredPublic


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class Me(BaseModel):
    id: int
    username: str
    role: str
    organisation_id: int | None


class OrganisationCreate(BaseModel):
    name: str = Field(min_length=2, max_length=200)
    kind: OrganisationKind
    municipality: str | None = Field(default=None, max_length=120)


class OrganisationPublic(StoredPublic):
    name: str
    kind: str
    municipality: str | None
    is_active: bool = True


class UserCreate(BaseModel):
    username: str = Field(min_length=3, max_length=80, pattern=r"^[A-Za-z0-9._@-]+$")
    password: str = Field(min_length=10, max_length=200)
    role: Role
    organisation_id: DbId | None = None


class UserPublic(StoredPublic):
    username: str
    role: str
    organisation_id: int | None
    is_active: bool


class ApiKeyInfo(BaseModel):
    """An API key without its secret: the prefix it is known by."""
    model_config = ConfigDict(from_attributes=True)
    prefix: str
    user_id: int
    created_at: datetime
    revoked_at: datetime | None


class ApiKeyPublic(BaseModel):
    api_key: str = Field(description="shown once; only its hash is kept")


class AuditEventPublic(StoredPublic):
    at: datetime
    username: str | None
    role: str | None
    organisation_id: int | None
    action: str
    resource: str
    person_pseudonym: str | None
    endpoint: str | None
    detail: dict | None
