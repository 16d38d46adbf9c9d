"""A failure of one feed or page, as data: every stage reports them instead of raising, so one
broken feed or page never stops the others."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Failure:
    stage: str
    partner: str
    url: str
    reason: str

    def __str__(self) -> str:
        return f"{self.stage} failed for {self.partner} {self.url}: {self.reason}"
