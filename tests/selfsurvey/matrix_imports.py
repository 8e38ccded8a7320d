"""URL-matrix cases of the self-run survey: imports (merged into tests/test_url_matrix.py)."""

CASES = {}
