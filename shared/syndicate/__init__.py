"""syndicate: poll partner feeds, extract and attribute articles, deduplicate, republish."""

__version__ = "0.1.0"
