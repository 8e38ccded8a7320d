from surveys.management.commands._import import ImportCommand
from surveys.models import ImportKind


class Command(ImportCommand):
    help = "Import indicator scores per institution and respondent group (CSV or XLSX)."
    kind = ImportKind.INDICATOR_SCORES
