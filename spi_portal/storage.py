from whitenoise.storage import CompressedManifestStaticFilesStorage


def _without_source_maps(patterns):
    def is_source_map(pattern):
        return "sourceMappingURL" in (pattern[0] if isinstance(pattern, tuple) else pattern)

    return tuple(
        (glob, tuple(p for p in file_patterns if not is_source_map(p)))
        for glob, file_patterns in patterns
    )


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Whitenoise's compressed, hashed storage, ignoring source-map comments.

    The vendored Bootstrap and plotly.js files are shipped without their .map files, and
    Django's manifest storage refuses to collect a file whose sourceMappingURL is missing.
    """

    patterns = _without_source_maps(CompressedManifestStaticFilesStorage.patterns)
