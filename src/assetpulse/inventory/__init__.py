"""The inventory part."""
