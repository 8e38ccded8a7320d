"""URL-matrix cases of the self-run survey: campaigns (merged into tests/test_url_matrix.py)."""

CASES = {}
