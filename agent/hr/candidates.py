"""Candidate import rows: validation of one row (JSON object or CSV line) into a
:class:`CandidateIn`, and CSV decoding (UTF-8 with or without BOM; GBK/GB18030 as saved by a
Chinese Excel). Pure functions: the caller reads the bytes and writes the database.

A row is valid or it is refused whole with its errors; nothing of a refused row is imported.
"""

from __future__ import annotations

import csv
import io
import re
import zoneinfo
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

MAX_ATTRIBUTES = 50
MAX_ATTRIBUTE_KEY = 64
MAX_ATTRIBUTE_TEXT = 500
MAX_LIST_ITEMS = 20
MAX_CSV_COLUMNS = 60
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
_ID = re.compile(r"^[A-Za-z0-9_.:@-]{1,128}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")

#: CSV header spellings (English and Chinese exports) -> CandidateIn field; other columns are
#: attributes.
COLUMN_ALIASES: dict[str, str] = {
    "external_id": "external_id",
    "id": "external_id",
    "candidate_id": "external_id",
    "applicant_id": "external_id",
    "编号": "external_id",
    "候选人编号": "external_id",
    "name": "name",
    "full_name": "name",
    "姓名": "name",
    "email": "email",
    "邮箱": "email",
    "phone": "phone",
    "mobile": "phone",
    "电话": "phone",
    "手机": "phone",
    "手机号": "phone",
    "timezone": "timezone",
    "time_zone": "timezone",
    "时区": "timezone",
    "language": "language",
    "语言": "language",
    "consent_at": "consent_at",
    "consent": "consent_at",
}


@cache
def _zones() -> frozenset[str]:
    # Membership in the IANA list, never ZoneInfo(peer text): no file name comes from a peer.
    return frozenset(zoneinfo.available_timezones())


def normalise_phone(value: str) -> str:
    """E.164 form of a phone number (spaces, dashes, dots and brackets dropped; ``00`` -> ``+``);
    ValueError when it is not one."""
    digits = re.sub(r"[\s\-().]", "", value)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if not _E164.fullmatch(digits):
        raise ValueError("phone must be an E.164 number like +8613800138000")
    return digits


def _attribute_value(key: str, value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        if len(value) > MAX_ATTRIBUTE_TEXT:
            raise ValueError(f"attribute {key!r} longer than {MAX_ATTRIBUTE_TEXT} characters")
        return value
    if isinstance(value, list):
        if len(value) > MAX_LIST_ITEMS:
            raise ValueError(f"attribute {key!r} has more than {MAX_LIST_ITEMS} items")
        return [_attribute_value(key, item) for item in value if not isinstance(item, list)]
    raise ValueError(f"attribute {key!r} must be text, a number, yes/no or a list")


class CandidateIn(BaseModel):
    """One candidate as the HR system sends it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    external_id: str = Field(min_length=1, max_length=128, description="the HR system's id")
    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32, description="E.164")
    timezone: str | None = Field(
        default=None, max_length=64, description="IANA, e.g. Asia/Shanghai"
    )
    language: str | None = Field(default=None, max_length=16, description="interview language")
    consent_at: datetime | None = None
    attributes: dict[str, Any] = Field(
        default_factory=dict,
        description="HR system fields: education, experience_years, work_from_home, quiet_room, "
        "stable_internet, region, languages, expected_salary, optional self-reported groups",
    )

    @field_validator("external_id")
    @classmethod
    def _external_id(cls, value: str) -> str:
        if not _ID.fullmatch(value):
            raise ValueError("external_id: letters, digits and _ . : @ - only")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not _EMAIL.fullmatch(value):
            raise ValueError("not an email address")
        return value

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return normalise_phone(value) if value else None

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        if not value:
            return None
        if value not in _zones():
            raise ValueError("not an IANA time zone (e.g. Asia/Shanghai)")
        return value

    @field_validator("language")
    @classmethod
    def _language(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not _LANGUAGE.fullmatch(value):
            raise ValueError("not a language code (e.g. en, zh)")
        return value

    @field_validator("consent_at")
    @classmethod
    def _consent_at(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # an HR export without zone: read as UTC
        return value

    @field_validator("attributes")
    @classmethod
    def _attributes(cls, value: dict[str, Any]) -> dict[str, Any]:
        if len(value) > MAX_ATTRIBUTES:
            raise ValueError(f"more than {MAX_ATTRIBUTES} attributes")
        for key in value:
            if not key or len(key) > MAX_ATTRIBUTE_KEY:
                raise ValueError(f"attribute names must be 1..{MAX_ATTRIBUTE_KEY} characters")
        return {key: _attribute_value(key, item) for key, item in value.items()}


@dataclass(frozen=True)
class RowError:
    """Why one row was refused: its index (0-based, data rows only), HR id if known, messages."""

    row: int
    external_id: str | None
    errors: list[str]


def validate_row(row: int, data: Any) -> CandidateIn | RowError:
    """One import row as a :class:`CandidateIn`, or the :class:`RowError` refusing it."""
    external = data.get("external_id") if isinstance(data, Mapping) else None
    external_id = str(external)[:128] if external is not None else None
    if not isinstance(data, Mapping):
        return RowError(row, None, ["a row must be an object"])
    try:
        return CandidateIn.model_validate(data)
    except ValidationError as exc:
        messages = [
            f"{'.'.join(str(p) for p in error['loc']) or 'row'}: {error['msg']}"
            for error in exc.errors(include_url=False)
        ]
        return RowError(row, external_id, messages[:10])


class CsvError(ValueError):
    """The CSV file as a whole cannot be read (encoding, header, size)."""


class CsvTooLarge(CsvError):
    """The CSV file has more rows than one import may."""


def decode_csv(data: bytes) -> str:
    """The text of a CSV file: UTF-8 (a BOM is dropped), else GB18030, which covers GBK as saved
    by Chinese Excel; CsvError when it is neither."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise CsvError("the file is neither UTF-8 nor GBK text") from exc


def csv_rows(text: str, max_rows: int) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
    """The CSV's data rows (0-based index, import object or the row's error): known columns
    (:data:`COLUMN_ALIASES`) become fields, the rest attributes (empty cells are left out).
    Blank lines are skipped. CsvError for a missing header, too many columns or more than
    ``max_rows`` rows."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header:
        raise CsvError("the file has no header line")
    if len(header) > MAX_CSV_COLUMNS:
        raise CsvError(f"more than {MAX_CSV_COLUMNS} columns")
    names = [column.strip().casefold() for column in header]
    fields = [COLUMN_ALIASES.get(name) for name in names]
    if "external_id" not in fields:
        raise CsvError("the header has no external_id (or id) column")
    for count, cells in enumerate(reader):
        if count >= max_rows:
            raise CsvTooLarge(f"more than {max_rows} rows; split the file")
        if not any(cell.strip() for cell in cells):
            continue  # a blank line (Excel leaves them at the end)
        row: dict[str, Any] = {}
        attributes: dict[str, Any] = {}
        for name, field, cell in zip(names, fields, cells, strict=False):
            cell = cell.strip()
            if not cell:
                continue
            if field is not None:
                row[field] = cell
            else:
                attributes[name[:MAX_ATTRIBUTE_KEY]] = cell
        if len(cells) > len(names):
            yield count, RowError(count, row.get("external_id"), ["more cells than columns"])
            continue
        row["attributes"] = attributes
        yield count, row
