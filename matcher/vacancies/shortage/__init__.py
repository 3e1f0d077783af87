"""Labour-shortage signals: reading the tables offices get (CSV/Excel as Unioncamere Excelsior and
EURES publish them), importing them once, and the latest signal per occupation and territory."""
from matcher.vacancies.shortage.reading import (
           ShortageFileError,
           ShortageOptions,
           ShortageRow,
           file_checksum,
           parse_columns,
           parse_shortage_csv,
           read_shortage_table,
)
from matcher.vacancies.shortage.service import already_imported, import_shortage, latest_signals

__all__ = ["ShortageFileError", "ShortageOptions", "ShortageRow", "already_imported", "file_checksum", "import_shortage",
           "latest_signals", "parse_columns", "parse_shortage_csv", "read_shortage_table"]
