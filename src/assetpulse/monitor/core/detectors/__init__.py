"""Signal detectors (pure, no I/O): per sensor, from its own history, when the asset it
watches is in use (light, temperature) or moving (location)."""
