"""JSON-schema validation of a domain's YAML files, reported with file, line and field."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import jsonschema

from ._yaml import YamlDoc

SCHEMA_DIR = Path(__file__).parent / "schemas"


@cache
def _validator(schema: str | Path) -> jsonschema.Draft202012Validator:
    """A schema name in synth/schemas/, or a path to any JSON schema file."""
    path = schema if isinstance(schema, Path) else SCHEMA_DIR / f"{schema}.json"
    return jsonschema.Draft202012Validator(json.loads(path.read_text(encoding="utf-8")))


def _describe(error: jsonschema.ValidationError) -> str:
    if error.validator == "minItems":
        return f"needs at least {error.validator_value} item(s), has {len(error.instance)}"
    if error.validator == "required":
        return error.message.replace("is a required property", "is required")
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties are not allowed", "unknown key(s)")
    if error.validator == "exclusiveMinimum":
        return f"must be greater than {error.validator_value}, got {error.instance}"
    return error.message


def validate_schema(doc: YamlDoc, schema: str | Path) -> None:
    """Raise DomainError for the schema violation that comes first in the file."""
    if doc.data is None:
        raise doc.error([], "file is empty")
    errors = sorted(
        _validator(schema).iter_errors(doc.data),
        key=lambda e: (doc.line_of(list(e.absolute_path)) or 0, -len(e.absolute_path)),
    )
    if errors:
        first = errors[0]
        raise doc.error(list(first.absolute_path), _describe(first))
