"""End-to-end tests that drive a real browser (Debian's Chromium through Playwright) over loopback."""
