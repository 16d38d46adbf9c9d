"""Safe HTTP for feeds and pages: address guard, caps, timeouts, conditional GET."""

from .client import AddressPolicy, FetchError, FetchResult, HttpClient

__all__ = ["AddressPolicy", "FetchError", "FetchResult", "HttpClient"]
