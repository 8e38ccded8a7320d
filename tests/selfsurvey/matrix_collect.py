"""URL-matrix cases of the self-run survey: collect (merged into tests/test_url_matrix.py)."""

CASES = {}
