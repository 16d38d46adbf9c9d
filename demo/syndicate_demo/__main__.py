"""`python -m syndicate_demo [--port N] [--registry PATH]`: serve the demo site until Ctrl-C."""

from .server import main

raise SystemExit(main())
