"""Bylines, authors, licences (SPDX), cross-post notices and the republishing decision."""
