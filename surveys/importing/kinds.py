"""The kinds an import knows, and the interface a kind implements to plug into the pipeline.

surveys registers its two kinds (results, indicator scores); an app that depends on surveys
registers its own (actionplans: plans) from its AppConfig.ready, so surveys never imports it.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from surveys.importing.errors import RowError


@dataclass
class Job:
    """One run of the pipeline: the file's name, who runs it and how."""

    file_name: str
    actor: Any = None
    dry_run: bool = False
    replace: bool = False
    create_institutions: bool = False  # results: a file naming unknown institutions creates them


@dataclass
class Planned:
    """A planner's answer: the errors (none: the file may be written) and its opaque state."""

    errors: list[RowError] = field(default_factory=list)
    state: Any = None


class Planner:
    """One kind of file.

    `plan(table, job, report)` checks every row of the table (reading.Table), fills the
    report's counts (and its `changes`, built on demand) and returns Planned; it reads, never
    writes. `write(planned, batch, job)` writes what was planned, inside the pipeline's
    transaction, with the batch record already saved; `writing(planned, job)` is entered before
    the batch record is saved and left after `write` (a kind may prepare its tables in bulk
    there). `permission` is what the actor needs to
    write; `refusal()` says why one without it is refused.
    """

    kind: str = ""
    permission: str = ""
    header_names: list[str] | None = None  # given: the header is looked for below title rows

    def refusal(self) -> str:
        raise NotImplementedError

    def plan(self, table, job: Job, report) -> Planned:
        raise NotImplementedError

    def writing(self, planned: Planned, job: Job) -> AbstractContextManager:
        return nullcontext()

    def write(self, planned: Planned, batch, job: Job) -> None:
        raise NotImplementedError


PLANNERS: dict[str, Planner] = {}


def register(planner: Planner) -> Planner:
    PLANNERS[str(planner.kind)] = planner
    return planner


def planner_for(kind) -> Planner:
    try:
        return PLANNERS[str(kind)]
    except KeyError:
        raise ValueError(f"No import kind {kind!r} (known: {', '.join(PLANNERS)}).") from None
