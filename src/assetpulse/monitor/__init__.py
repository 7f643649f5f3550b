"""The monitor part."""
