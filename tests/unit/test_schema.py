"""The committed JSON Schema is the one the model exports, and it rejects what it should."""

import json
from pathlib import Path

import jsonschema
import pytest

from syndicate.schema import record_schema

ROOT = Path(__file__).resolve().parents[2]

ITEM = {
    "id": "abc",
    "url": "https://chinaglobalsouth.com/analysis/x/",
    "title": "T",
    "summary": "S",
    "content_text": "S",
    "_syndicate": {
        "partner": "cgsp",
        "source_url": "https://chinaglobalsouth.com/analysis/x/",
        "canonical_url": "https://chinaglobalsouth.com/analysis/x/",
        "licence": {"spdx": "LicenseRef-All-Rights-Reserved", "source": "registry", "republish": "excerpt"},
        "attribution": "'T', originally published on China Global South Project (...)",
        "content_sha256": "0" * 64,
        "fetched_at": "2026-01-01T00:00:00Z",
    },
}


def test_committed_schema_is_current():
    committed = json.loads((ROOT / "schema" / "record.schema.json").read_text())
    assert committed == record_schema(), "regenerate with: make schema"


def test_valid_item_passes():
    jsonschema.Draft202012Validator(record_schema()).validate(ITEM)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda i: i.pop("content_text"),  # JSON Feed: content_html or content_text is required
        lambda i: i["_syndicate"].pop("licence"),
        lambda i: i["_syndicate"]["licence"].update(republish="everything"),
        lambda i: i.update(unknown_field=1),
        lambda i: i.pop("id"),
    ],
)
def test_invalid_items_fail(mutate):
    item = json.loads(json.dumps(ITEM))
    mutate(item)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(record_schema()).validate(item)
