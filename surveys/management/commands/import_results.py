from surveys.management.commands._import import ImportCommand
from surveys.models import ImportKind


class Command(ImportCommand):
    help = "Import KPK's per-institution SPI results (CSV or XLSX); all rows or none."
    kind = ImportKind.RESULTS
