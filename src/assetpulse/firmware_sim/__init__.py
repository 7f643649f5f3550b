"""The firmware_sim part."""
