"""The record's JSON Schema, exported from the pydantic model so it cannot drift.

`schema/record.schema.json` in the repo is this function's output; a test fails when the
committed file differs from the model (regenerate with `syndicate schema --output ...`).
"""

from __future__ import annotations

from typing import Any

from .model import JSONFEED_VERSION, Record

SCHEMA_ID = "https://syndicate.invalid/schema/record.schema.json"


def record_schema() -> dict[str, Any]:
    schema = Record.model_json_schema(by_alias=True, mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    # JSON Feed 1.1: an item must carry content_html or content_text (or both).
    schema["anyOf"] = [{"required": ["content_html"]}, {"required": ["content_text"]}]
    schema["description"] = (
        f"One item of a syndicate JSON Feed ({JSONFEED_VERSION}) with the `_syndicate` extension object."
    )
    return schema
