"""URL-matrix cases of the self-run survey: review (merged into tests/test_url_matrix.py)."""

CASES = {}
