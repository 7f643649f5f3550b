"""HTTP adapters of the inventory part; ``inventory.api`` includes their routers."""
