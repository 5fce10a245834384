"""What requests share, so that a request the OpenAPI document calls invalid is refused.

- Path parameters routing tells apart from the literal segments beside them: a grid code is
  digits and an id an integer, so ``/api/v1/grids/{code}`` never takes ``/api/v1/grids/merge``
  nor ``/api/v1/cameras/{camera_id}`` ``/api/v1/cameras/plans``; a method such a literal path
  does not answer is a 405 naming those it does, never a 400 about a code.
- ``Body``: a JSON body's numbers are numbers and its flags booleans (``"5"`` or ``"yes"`` is
  refused, not read as 5 or true); its dates and times are ISO 8601 text (``Moment``, ``Day``).
- ``Moment``: a date and time in ISO 8601, never a number (pydantic would read ``0.5`` as half
  a second after 1970).
- ``IfMatch`` and ``version_of``: the version an edit was made on; ``free_text``: text the
  database compares, without the NUL character it cannot hold.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Header
from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    TypeAdapter,
    ValidationError,
    model_validator,
)
from starlette.convertors import Convertor, register_url_convertor

from gridmap.core.errors import InvalidInput


class DigitsConvertor(Convertor[str]):
    """A path segment of ASCII digits, kept as text (codes keep their leading zeros)."""

    regex = "[0-9]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("digits", DigitsConvertor())

CODE = "{code:digits}"
"""A region, grid or micro-grid code in a path (``parse_*_code`` judges it)."""

_NUMBER = re.compile(r"\s*[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\s*")


def _iso(kind: Any) -> BeforeValidator:
    """Read ISO 8601 text as ``kind`` (so that a strict ``Body`` takes it too); a number is
    refused, never read as seconds since 1970."""
    reader = TypeAdapter(kind)

    def read(value: Any) -> Any:
        if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
            raise ValueError(f"{value!r} is a number, not an ISO 8601 date and time")
        if not isinstance(value, str):
            return value
        try:
            return reader.validate_python(value)
        except ValidationError as error:
            raise ValueError(error.errors()[0]["msg"]) from None

    return BeforeValidator(read)


Moment = Annotated[datetime, _iso(datetime)]
"""A date and time in ISO 8601 (without a zone: the server's reading of it)."""
AwareMoment = Annotated[AwareDatetime, _iso(AwareDatetime)]
"""A date and time in ISO 8601 with its time zone."""
Day = Annotated[date, _iso(date)]
"""A date in ISO 8601 (2026-11-30)."""


IfMatch = Annotated[
    str,
    Header(
        description='the version you read: 3 or "3" (the ETag you were sent)',
        json_schema_extra={"pattern": r'^\s*(W/)?"?[0-9]+"?\s*$'},
    ),
]
"""``If-Match``: the version an edit was made on (a stale one gets 409). Default it to None."""


def version_of(if_match: str | None, body_version: int | None) -> int | None:
    """The version an edit was made on: the body's ``version``, else ``If-Match``'s."""
    if body_version is not None:
        return body_version
    if not if_match:
        return None
    try:
        return int(if_match.strip().removeprefix("W/").strip('"'))
    except ValueError:
        raise InvalidInput(
            f"If-Match {if_match!r} is not a version number", field="If-Match"
        ) from None


def free_text(value: str | None, field: str) -> str | None:
    """Free text that the database will compare: a NUL character, which PostgreSQL's text
    cannot hold, is refused here (400) rather than by the database half-way through a file
    already being sent."""
    if value is not None and "\x00" in value:
        raise InvalidInput(f"{field} holds a NUL character (\\x00), which text cannot", field=field)
    return value


def _whole(value: Any) -> Any:
    """JSON's whole numbers as integers (``15.0`` is the integer JSON Schema calls 15)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _whole(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_whole(item) for item in value]
    return value


class Body(BaseModel):
    """A JSON request body as its schema says: numbers, booleans and lists as such (strict,
    a whole number may be written ``15.0``); dates and times as ISO 8601 text (``Moment``,
    ``AwareMoment``, ``Day``)."""

    model_config = ConfigDict(strict=True)

    @model_validator(mode="before")
    @classmethod
    def _whole_numbers(cls, data: Any) -> Any:
        return _whole(data)
