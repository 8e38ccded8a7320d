"""URL-matrix cases of the self-run survey: jobs (merged into tests/test_url_matrix.py)."""

CASES = {}
