"""firmware_sim fixtures, imported here rather than through the shared root conftest."""

from tests.fix_sim import faulty_fleet, honest_fleet, small_fleet, small_published

__all__ = ["faulty_fleet", "honest_fleet", "small_fleet", "small_published"]
