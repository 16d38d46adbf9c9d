"""URL canonicalization, fingerprints, and (later) near-duplicate detection and merging."""
