"""Incoming HSDS records checked against the standard's own JSON Schemas (`hsds/schema/`).

Each table has one schema file; nested records are `$ref`s to the sibling files, resolved from a
`referencing` registry of the shipped files (nothing is fetched). The standard's schemas allow
properties they do not define, so Harbour's additions pass untouched; types, required fields,
enums and formats are checked. Two nestings Harbour reads are not in the table schemas
(`organization.services`, `service_at_location.service`); records there are checked against
their own table's schema.

Every problem is reported with its place (`[0].services[2].status`) and the rule it breaks,
never the value that was sent.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker, ValidationError
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from harbour_directory.hsds.fields import ARRAYS, OBJECTS
from harbour_kit.errors import ValidationFailed

SCHEMAS = Path(__file__).parent / "schema"
CODE = "hsds-invalid"
SHOWN = 50
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
_TYPE_NAMES = {
    "string": "a string",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "array": "a list",
    "object": "an object",
    "null": "null",
}
_FORMAT_NAMES = {
    "uuid": "a UUID",
    "email": "an email address",
    "uri": "a URI with a scheme, such as https://…",
    "date-time": "an RFC 3339 date-time with an offset, such as 2023-03-15T10:30:45Z",
}
Problem = dict[str, str]
Nested = tuple[str, Any, str]


def _is_uri(value: object) -> bool:
    """An absolute URI: a scheme, then no spaces."""
    if not isinstance(value, str):
        return True
    scheme = urlsplit(value).scheme
    return bool(_SCHEME.fullmatch(scheme)) and not any(c.isspace() for c in value)


def _is_date_time(value: object) -> bool:
    """An RFC 3339 date-time: date, `T`, time and an offset (or `Z`)."""
    if not isinstance(value, str):
        return True
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return False
    return value[10:11] in ("T", "t") and parsed.tzinfo is not None


@cache
def format_checker() -> FormatChecker:
    """Draft 2020-12's format checks, with `uri` and `date-time` when no library provides them."""
    checker = copy.deepcopy(Draft202012Validator.FORMAT_CHECKER)
    if "uri" not in checker.checkers:
        checker.checks("uri")(_is_uri)
    if "date-time" not in checker.checkers:
        checker.checks("date-time")(_is_date_time)
    return checker


@cache
def registry() -> Registry[Any]:
    """The shipped table schemas, each under its file name (`service.json`) as `$ref`s name it."""
    resources = [
        (path.name, Resource.from_contents(json.loads(path.read_text()), DRAFT202012))
        for path in sorted(SCHEMAS.glob("*.json"))
    ]
    return Registry().with_resources(resources).crawl()


def schema_of(table: str) -> dict[str, Any]:
    """The standard's schema of one table."""
    contents: dict[str, Any] = registry().contents(f"{table}.json")
    return contents


@cache
def validator(table: str, *, many: bool = False) -> Validator:
    """A validator for one table's records (or a list of them), of the draft the schema declares.

    The standard's files declare no `$schema`; its tools and this service read them as 2020-12.
    """
    one = {"$ref": f"{table}.json"}
    cls = validator_for(schema_of(table), default=Draft202012Validator)
    schema = {"type": "array", "items": one} if many else one
    return cls(schema, registry=registry(), format_checker=format_checker())


def join(path: str, key: str | int) -> str:
    """A JSON path one step further: `a.b`, `a[0]`."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _message(error: ValidationError) -> str:
    """The rule an error breaks, in words that never repeat the submitted value."""
    rule = error.validator_value
    if error.validator == "type":
        kinds = [rule] if isinstance(rule, str) else list(rule)
        return "must be " + " or ".join(_TYPE_NAMES.get(k, k) for k in kinds)
    if error.validator == "enum":
        return "must be one of " + ", ".join(json.dumps(v) for v in rule)
    if error.validator == "format":
        return "must be " + _FORMAT_NAMES.get(str(rule), f"in {rule} format")
    return f"does not meet the HSDS schema's {error.validator!r} rule"


def _described(error: ValidationError, where: str) -> Iterator[Problem]:
    """One problem per field an error is about (a `required` error names each missing field)."""
    path = where
    for key in error.absolute_path:
        path = join(path, key)
    if error.validator == "required" and isinstance(error.instance, Mapping):
        for name in error.validator_value:
            if name not in error.instance:
                yield {"field": join(path, name), "message": "is required"}
        return
    yield {"field": path or "(document)", "message": _message(error)}


def _checked(checker: Validator, value: Any, where: str) -> list[Problem]:
    """The problems one validator finds in a value."""
    return [p for error in checker.iter_errors(value) for p in _described(error, where)]


def _nested(table: str, record: Mapping[str, Any], where: str) -> Iterator[Nested]:
    """(child table, record, path) for each record nested in one, as Harbour reads them."""
    for key, child in ARRAYS.get(table, {}).items():
        items = record.get(key)
        for index, item in enumerate(items if isinstance(items, list) else []):
            yield child, item, join(join(where, key), index)
    for key, (child, _) in OBJECTS.get(table, {}).items():
        yield child, record.get(key), join(where, key)


def _open_problems(table: str, record: Any, where: str) -> list[Problem]:
    """Problems of records nested under keys the table's schema leaves open, at any depth."""
    if not isinstance(record, Mapping):
        return []
    defined = schema_of(table).get("properties", {})
    found: list[Problem] = []
    for key, child in ARRAYS.get(table, {}).items():
        if key in record and key not in defined:
            found += _checked(validator(child, many=True), record[key], join(where, key))
    for key, (child, _) in OBJECTS.get(table, {}).items():
        if isinstance(record.get(key), Mapping) and key not in defined:
            found += _checked(validator(child), record[key], join(where, key))
    for child, item, path in _nested(table, record, where):
        found += _open_problems(child, item, path)
    return found


def problems(table: str, record: Any, where: str = "") -> list[Problem]:
    """Every way a record (with everything nested in it) breaks the HSDS schemas."""
    found = _checked(validator(table), record, where) + _open_problems(table, record, where)
    unique = {(p["field"], p["message"]): p for p in found}
    return list(unique.values())


def refuse(found: list[Problem]) -> None:
    """Raises `hsds-invalid` listing the problems (the first 50), if there are any."""
    if not found:
        return
    shown = found[:SHOWN]
    more = f" The first {len(shown)} are listed." if len(found) > len(shown) else ""
    raise ValidationFailed(
        f"The data does not meet the HSDS 3.0 schemas ({len(found)} problem(s)); "
        f"nothing was saved.{more}",
        code=CODE,
        errors=shown,
    )
