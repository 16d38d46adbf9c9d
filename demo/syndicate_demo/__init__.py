"""The bundled demo: synthetic partner-shaped sites and the loopback server that serves them.

Used by `make demo` / `syndicate demo`, and by the tests as their sample partner sites. It is
a package of its own beside `syndicate` (installed from the repository's `demo/` folder), so
the Lambda layer, built from `shared/`, never carries it. See `site/README.md` for what the
sample contains.
"""

from .server import DemoServer, render_registry, site_root

__all__ = ["DemoServer", "render_registry", "site_root"]
