"""URL-matrix cases of the self-run survey: results (merged into tests/test_url_matrix.py)."""

CASES = {}
