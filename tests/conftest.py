"""Test session set-up: real PostgreSQL and Mosquitto, started privately on free ports."""

pytest_plugins = [
    "tests.fix_db",
    "tests.fix_mqtt",
    "tests.fix_api",
    "tests.fix_web",
    "tests.fix_inventory",
    "tests.fix_ingest",
    "tests.fix_monitor",
    "tests.fix_objects",
    "tests.fix_platform",
    "tests.fix_scan",
]
