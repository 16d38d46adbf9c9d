"""The bundled demo: synthetic partner-shaped sites and the loopback server that serves them.

Used by `make demo` / `syndicate demo` and by the tests, so the whole pipeline can run with
no network. See `site/README.md` for what the sample contains.
"""

from .server import LoggedRequest, SiteServer, render_registry, site_root

__all__ = ["LoggedRequest", "SiteServer", "render_registry", "site_root"]
