"""CSV files the author opens in a spreadsheet. Every CSV export writes through `SafeWriter`."""

import csv

# A cell starting with one of these runs as a formula in Excel, LibreOffice or Google Sheets
# (OWASP "CSV injection"); names come from a public form. A leading `'` shows it as text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value as a spreadsheet should show it: empty for None, never a formula."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


class SafeWriter:
    """`csv.writer` with every cell passed through `safe_cell`."""

    def __init__(self, file):
        self._writer = csv.writer(file)

    def writerow(self, row):
        return self._writer.writerow([safe_cell(value) for value in row])
