"""Safe, polite HTTP for feeds and pages: address guard, caps, timeouts, conditional GET,
per-host limits, Retry-After, robots.txt. See client.py for the overview."""

from .client import DEFAULT_USER_AGENT, HttpClient, Remaining
from .content import FEED_ACCEPT, PAGE_ACCEPT, check_feed, check_page, is_feed, is_html
from .errors import (
    Blocked,
    FetchError,
    InvalidUrl,
    NoTimeLeft,
    RateLimited,
    Refused,
    RobotsDisallowed,
    TimedOut,
    TooLarge,
    UnexpectedContent,
    Unresolvable,
    parse_retry_after,
)
from .guard import AddressPolicy, system_resolver
from .politeness import HostLimiter, build_user_agent
from .result import FetchResult
from .urls import FetchTarget, fetch_target

__all__ = [
    "DEFAULT_USER_AGENT",
    "FEED_ACCEPT",
    "PAGE_ACCEPT",
    "AddressPolicy",
    "Blocked",
    "FetchError",
    "FetchResult",
    "FetchTarget",
    "HostLimiter",
    "HttpClient",
    "InvalidUrl",
    "NoTimeLeft",
    "RateLimited",
    "Refused",
    "Remaining",
    "RobotsDisallowed",
    "TimedOut",
    "TooLarge",
    "UnexpectedContent",
    "Unresolvable",
    "build_user_agent",
    "check_feed",
    "check_page",
    "fetch_target",
    "is_feed",
    "is_html",
    "parse_retry_after",
    "system_resolver",
]
