"""Feed bytes -> entries (feedparser), entry normalization."""
