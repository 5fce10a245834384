"""Geometry and coordinate operations."""
