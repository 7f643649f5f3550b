"""Operations: what Prometheus and the container runtime read (metrics, health endpoints)."""
