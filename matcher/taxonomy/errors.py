from __future__ import annotations


class BundleError(Exception):
    """Bad input in an ESCO bundle; names the file, line and column when they are known."""

    def __init__(self, file: str, line: int | None, column: str | None, message: str):
        self.file, self.line, self.column, self.message = file, line, column, message
        where = file
        if line is not None:
            where += f", line {line}"
        if column:
            where += f", column {column!r}"
        super().__init__(f"{where}: {message}")
