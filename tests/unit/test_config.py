"""The deployed registry (syndicate.config): push validates first, pull gives back the same
bytes, show summarizes, and RegistrySource follows a changed registry without ever taking
an invalid one. The store is the local folder adapter; the contract suite runs the
conditional GET it relies on against S3 (moto) as well."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from syndicate.adapters.local import LocalObjectStore
from syndicate.config import REGISTRY_KEY, RegistryNotFound, RegistrySource, describe, pull, push, show
from syndicate.ports import StorageError, Unchanged
from syndicate.registry import RegistryError, parse_registry

from fixtures.clock import FakeClock

GOOD = """\
partners:
  - id: lse-blogs
    name: LSE Blogs
    homepage: https://blogs.lse.ac.uk/
    feeds: [{url: https://blogs.lse.ac.uk/cff/feed/, poll_minutes: 30}]
    profile: lse_blogs
    licence: {spdx: CC-BY-4.0, url: https://creativecommons.org/licenses/by/4.0/, republish: full}
publish: {title: syndicate, page_size: 50, base_url: https://feeds.example.org/}
"""
THIRD = """\
  - id: cgsp
    name: China Global South Project
    homepage: https://chinaglobalsouth.com/
    feeds: [{url: https://chinaglobalsouth.com/feed/}]
    profile: cgsp
    licence: {spdx: LicenseRef-All-Rights-Reserved, republish: excerpt}
"""
TWO_PARTNERS = GOOD.replace("\npublish:", "\n" + THIRD + "publish:")
TYPO = TWO_PARTNERS.replace("    profile: cgsp", "    profiel: cgsp")


class CountingStore(LocalObjectStore):
    """Counts the conditional GETs, and can be told to fail them."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.checks = 0
        self.fail = False

    def get_if_changed(self, key: str, etag: str | None) -> Any:
        self.checks += 1
        if self.fail:
            raise StorageError(f"local store {self.root}: simulated outage")
        return super().get_if_changed(key, etag)


@pytest.fixture
def store(tmp_path: Path) -> CountingStore:
    return CountingStore(tmp_path / "state")


# ---------------------------------------------------------------------- push, pull, show


def test_push_then_pull_gives_back_the_same_bytes(store: CountingStore) -> None:
    registry = push(store, TWO_PARTNERS, "partners.yaml")
    assert [p.id for p in registry.partners] == ["lse-blogs", "cgsp"]
    assert pull(store) == TWO_PARTNERS
    assert (store.root / "config" / "partners.yaml").read_text(encoding="utf-8") == TWO_PARTNERS
    assert REGISTRY_KEY == "config/partners.yaml"


def test_push_refuses_an_invalid_registry_and_keeps_the_stored_one(store: CountingStore) -> None:
    with pytest.raises(RegistryError) as refused:
        push(store, TYPO, "my/partners.yaml")
    assert str(refused.value) == (
        "my/partners.yaml: partner 'cgsp': unknown key 'profiel' (did you mean 'profile'?); "
        "allowed: feeds, homepage, host_aliases, id, licence, name, page_licence, profile"
    )
    assert store.get(REGISTRY_KEY) is None  # nothing uploaded
    push(store, GOOD, "partners.yaml")
    with pytest.raises(RegistryError, match="not valid YAML"):
        push(store, "partners: [", "partners.yaml")
    assert pull(store) == GOOD


def test_pull_and_show_say_when_nothing_is_stored(store: CountingStore) -> None:
    with pytest.raises(RegistryNotFound, match=r"^s3://b/config/partners.yaml: no registry stored .*config push"):
        pull(store, where="s3://b/config/partners.yaml")
    with pytest.raises(RegistryNotFound):
        show(store)


def test_show_summarizes_or_gives_the_raw_yaml(store: CountingStore) -> None:
    push(store, TWO_PARTNERS, "partners.yaml")
    summary = show(store, where="s3://b/config/partners.yaml")
    assert summary.splitlines()[0] == "s3://b/config/partners.yaml: 2 partner(s)"
    assert "  lse-blogs  LSE Blogs  <https://blogs.lse.ac.uk/>" in summary
    assert "    profile lse_blogs; licence CC-BY-4.0, republish full" in summary
    assert "    feed https://blogs.lse.ac.uk/cff/feed/ (every 30 min)" in summary
    assert "    profile cgsp; licence LicenseRef-All-Rights-Reserved, republish excerpt" in summary
    assert summary.splitlines()[-1] == "publish: title 'syndicate', page_size 50, base_url https://feeds.example.org/"
    assert show(store, raw=True) == TWO_PARTNERS


def test_show_refuses_an_invalid_stored_registry(store: CountingStore) -> None:
    store.put(REGISTRY_KEY, TYPO.encode())  # uploaded around `config push`, e.g. with `aws s3 cp`
    with pytest.raises(RegistryError, match="partner 'cgsp': unknown key 'profiel'"):
        show(store)
    assert pull(store) == TYPO  # pull still gives it back, so it can be fixed


def test_describe_names_host_aliases_and_default_base_url() -> None:
    text = GOOD.replace("    profile: lse_blogs\n", "    profile: lse_blogs\n    host_aliases: [blogstest.lse.ac.uk]\n")
    text = text.replace(", base_url: https://feeds.example.org/", "")
    summary = describe(parse_registry(text, source="x.yaml"))
    assert "    host aliases: blogstest.lse.ac.uk" in summary
    assert summary.endswith("base_url (default)")


# ---------------------------------------------------------------------- RegistrySource


def test_source_rechecks_at_most_once_per_interval(store: CountingStore) -> None:
    push(store, GOOD, "partners.yaml")
    clock = FakeClock(1000.0)
    source = RegistrySource.from_store(store, min_interval=60, clock=clock)
    first = source.current()
    assert [p.id for p in first.partners] == ["lse-blogs"]
    assert store.checks == 1
    push(store, TWO_PARTNERS, "partners.yaml")
    clock.now += 59.9
    assert source.current() is first  # not checked yet
    assert store.checks == 1
    clock.now += 0.1
    second = source.current()
    assert [p.id for p in second.partners] == ["lse-blogs", "cgsp"]
    assert store.checks == 2
    clock.now += 60
    assert source.current() is second  # unchanged: a 304, nothing re-parsed
    assert store.checks == 3


def test_source_keeps_the_last_good_registry_when_an_upload_is_invalid(
    store: CountingStore, caplog: pytest.LogCaptureFixture
) -> None:
    push(store, GOOD, "partners.yaml")
    clock = FakeClock()
    source = RegistrySource.from_store(store, where="s3://b/config/partners.yaml", clock=clock)
    good = source.current()
    store.put(REGISTRY_KEY, TYPO.encode())
    caplog.set_level(logging.ERROR, logger="syndicate.config")
    for _ in range(3):
        clock.now += 61
        assert source.current() is good
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == [
        "s3://b/config/partners.yaml: partner 'cgsp': unknown key 'profiel' (did you mean 'profile'?); "
        "allowed: feeds, homepage, host_aliases, id, licence, name, page_licence, profile; "
        "still using the registry loaded before"
    ]  # once per bad version, not once a minute
    assert source.last_error is not None and "profiel" in source.last_error
    store.put(REGISTRY_KEY, TWO_PARTNERS.encode())
    clock.now += 61
    assert [p.id for p in source.current().partners] == ["lse-blogs", "cgsp"]
    assert source.last_error is None


def test_source_keeps_the_last_good_registry_through_outages_and_deletion(
    store: CountingStore, caplog: pytest.LogCaptureFixture
) -> None:
    push(store, GOOD, "partners.yaml")
    clock = FakeClock()
    source = RegistrySource.from_store(store, clock=clock)
    good = source.current()
    caplog.set_level(logging.ERROR, logger="syndicate.config")
    store.fail = True
    clock.now += 61
    assert source.current() is good
    assert "simulated outage" in (source.last_error or "")
    store.fail = False
    store.delete(REGISTRY_KEY)
    clock.now += 61
    assert source.current() is good
    assert "registry not found" in (source.last_error or "")
    assert len([r for r in caplog.records if r.levelno == logging.ERROR]) == 2
    push(store, TWO_PARTNERS, "partners.yaml")
    clock.now += 61
    assert len(source.current().partners) == 2


def test_source_first_load_fails_loudly_then_retries_at_once(store: CountingStore) -> None:
    clock = FakeClock()
    source = RegistrySource.from_store(store, where="s3://b/config/partners.yaml", clock=clock)
    with pytest.raises(RegistryNotFound, match=r"s3://b/config/partners\.yaml: registry not found"):
        source.current()
    store.put(REGISTRY_KEY, TYPO.encode())
    with pytest.raises(RegistryError, match="unknown key 'profiel'"):
        source.current()  # no registry to fall back on: an error, not a silent empty registry
    with pytest.raises(RegistryError, match="unknown key 'profiel'"):
        source.current()  # still the same bad version: still an error
    push(store, GOOD, "partners.yaml")
    assert [p.id for p in source.current().partners] == ["lse-blogs"]  # no minute's wait


def test_file_source_reloads_when_the_content_changes(tmp_path: Path) -> None:
    path = tmp_path / "partners.yaml"
    path.write_text(GOOD, encoding="utf-8")
    clock = FakeClock()
    source = RegistrySource.from_file(path, clock=clock)
    first = source.current()
    assert first.source == str(path)
    path.write_text(GOOD, encoding="utf-8")  # rewritten, same bytes
    clock.now += 61
    assert source.current() is first
    path.write_text(TWO_PARTNERS, encoding="utf-8")
    assert source.current() is first  # within the interval
    clock.now += 61
    assert len(source.current().partners) == 2
    path.write_text(TYPO, encoding="utf-8")
    clock.now += 61
    assert len(source.current().partners) == 2
    assert "profiel" in (source.last_error or "")


def test_unchanged_is_a_singleton_the_checks_compare_by_identity(store: CountingStore) -> None:
    store.put("k", b"x")
    got = store.get_with_etag("k")
    assert got is not None
    assert isinstance(store.get_if_changed("k", got[1]), Unchanged)
