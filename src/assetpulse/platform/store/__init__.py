"""PostgreSQL adapters of the platform: named queries and the services that run them."""
