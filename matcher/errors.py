"""Domain errors; the API maps them to HTTP statuses, the CLI to messages."""


class ServiceError(Exception):
    status = 400


class NotFound(ServiceError):
    status = 404


class Forbidden(ServiceError):
    status = 403


class Conflict(ServiceError):
    status = 409


class Invalid(ServiceError):
    """Bad input; ``problems`` holds (field, code) pairs so a form can show each next to its field
    in the user's language (the message itself is English, for the API and the CLI)."""

    status = 422

    def __init__(self, message: str, problems: list[tuple[str, str]] | None = None):
        super().__init__(message)
        self.problems = problems or []
