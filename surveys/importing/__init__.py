"""One import pipeline for every kind of file: results, indicator scores and (plugged in by
actionplans) plans.

A file is read once (reading), its cells parsed (cells), its rows checked (rows), a planner per
kind says what it creates, changes and leaves as it is (results, indicators), and the batch writes
it all in one transaction with one batch record (batch). Nothing is written unless every row is
valid. Changing a stored value needs `replace=True`; otherwise the change is reported as a conflict
and nothing is written.
"""

# the survey kinds register themselves with the pipeline when imported
from surveys.importing import indicators, results  # noqa: F401
from surveys.importing.batch import PREVIEW_ROWS, import_file
from surveys.importing.cells import INDICATOR_COLUMNS, RESULT_COLUMNS, Column
from surveys.importing.errors import MAX_ERRORS, ImportRejected, RowError
from surveys.importing.kinds import PLANNERS, Job, Planned, Planner, planner_for, register
from surveys.importing.report import FieldChange, ImportReport, RowChange

__all__ = [
    "INDICATOR_COLUMNS",
    "PLANNERS",
    "Job",
    "Planned",
    "Planner",
    "planner_for",
    "register",
    "MAX_ERRORS",
    "PREVIEW_ROWS",
    "RESULT_COLUMNS",
    "Column",
    "FieldChange",
    "ImportRejected",
    "ImportReport",
    "RowChange",
    "RowError",
    "import_file",
]
