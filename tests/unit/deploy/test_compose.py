"""docker-compose.yml, deploy/Dockerfile and the lock file (issue 16, compose): what an
operator relies on when they run `docker compose up` — every service reports its health,
images do not move under them, the analyser runs on its schedule, gateways get TLS, and the
image installs exactly the locked dependencies."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from assetpulse.monitor.scheduled_cli import analyse
from assetpulse.settings import Settings

REPO = Path(__file__).resolve().parents[3]
COMPOSE: dict[str, Any] = yaml.safe_load((REPO / "docker-compose.yml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
DOCKERFILE = (REPO / "deploy" / "Dockerfile").read_text()
LOCK = (REPO / "deploy" / "requirements.lock").read_text()
# a tag with a full version (2.17.2-pg16, 3.11.16-slim-bookworm), optionally a digest
PINNED = re.compile(r"^[\w./-]+:\d+\.\d+\.\d+[\w.-]*(@sha256:[0-9a-f]{64})?$")


def _one_shot(name: str) -> bool:
    waited = [
        s for s in SERVICES.values()
        if (s.get("depends_on") or {}).get(name, {}).get("condition")
        == "service_completed_successfully"
    ]  # fmt: skip
    return SERVICES[name].get("restart") == "no" and bool(waited)


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_compose_service_when_long_running_has_a_healthcheck(name: str) -> None:
    check = SERVICES[name].get("healthcheck") or {}
    if _one_shot(name):
        assert check.get("disable") is True  # said explicitly, and the others wait for it
        return
    assert check.get("test"), f"{name} has no healthcheck"
    assert check["test"][0] in ("CMD", "CMD-SHELL")


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_compose_images_when_pulled_or_built_are_pinned(name: str) -> None:
    image = SERVICES[name]["image"]
    assert not image.endswith(":latest")
    assert PINNED.match(image), f"{name}: {image} is not pinned to a full version"


def test_dockerfile_base_is_pinned_by_version_and_digest() -> None:
    bases = re.findall(r"^FROM\s+(\S+)", DOCKERFILE, flags=re.MULTILINE)
    assert bases
    for base in bases:
        assert PINNED.match(base), base
        assert "@sha256:" in base, base


def test_compose_analyser_runs_on_its_schedule_with_health_where_probed() -> None:
    analyser = SERVICES["analyser"]
    env = {k: v for k, v in analyser["environment"].items() if k.startswith("ASSETPULSE_ANALYSER")}
    settings = Settings(**{k.removeprefix("ASSETPULSE_").lower(): v for k, v in env.items()})
    assert settings.analyser_every_s >= 60  # scheduled in the process, not once and exit
    assert analyser["command"] == ["analyse"]
    assert "--every" in {opt for p in analyse.params for opt in p.opts}
    probe = " ".join(analyser["healthcheck"]["test"])
    assert f":{settings.analyser_health_port}/health" in probe
    # SIGTERM lets the current run finish: more than compose's 10 s default
    assert int(str(analyser["stop_grace_period"]).rstrip("s")) >= 60


def test_compose_analyser_runs_several_workers_from_its_setting() -> None:
    env = SERVICES["analyser"]["environment"]
    assert Settings(analyser_workers=env["ASSETPULSE_ANALYSER_WORKERS"]).analyser_workers >= 2
    workers = next(p for p in analyse.params if "--workers" in p.opts)
    assert workers.default is None  # so the setting decides when compose gives no option
    assert "--workers" not in SERVICES["analyser"]["command"]


def test_compose_api_keeps_objects_on_a_volume_its_user_can_write() -> None:
    api = SERVICES["api"]
    folder = api["environment"]["ASSETPULSE_OBJECTS_DIR"]
    assert f"objects-data:{folder}" in api["volumes"]
    assert "objects-data" in COMPOSE["volumes"]
    assert f"install -d -o assetpulse -g assetpulse {folder}" in DOCKERFILE
    assert DOCKERFILE.index(folder) < DOCKERFILE.index("USER assetpulse")


def test_compose_gateways_reach_the_broker_over_tls_only() -> None:
    ports = [str(p) for p in SERVICES["broker"]["ports"]]
    assert ports == ["8883:8883"]
    nats = (REPO / "deploy" / "nats" / "nats.conf").read_text()
    mqtt = nats[nats.index("mqtt {") :]
    assert "listen: 0.0.0.0:8883" in mqtt
    assert "tls {" in mqtt
    assert "./deploy/nats/certs:/etc/nats/certs:ro" in SERVICES["broker"]["volumes"]


def _locked() -> dict[str, list[tuple[Version, str]]]:
    """name → [(version, marker text)] of every pinned line of the lock."""
    out: dict[str, list[tuple[Version, str]]] = {}
    for line in LOCK.splitlines():
        m = re.match(r"^([A-Za-z0-9_.-]+)==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$", line)
        if m:
            name, version, marker = m.groups()
            out.setdefault(canonicalize_name(name), []).append((Version(version), marker or ""))
    return out


def test_lock_when_image_installs_it_pins_every_pyproject_dependency_in_range() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    locked = _locked()
    env = {
        **default_environment(),
        "python_version": "3.11",
        "python_full_version": "3.11.16",
        "sys_platform": "linux",
        "platform_system": "Linux",
        "implementation_name": "cpython",
    }
    for text in project["dependencies"]:
        req = Requirement(text)
        if req.marker is not None and not req.marker.evaluate(env):
            continue
        pins = [
            v for v, marker in locked.get(canonicalize_name(req.name), [])
            if not marker or Requirement(f"x; {marker}").marker.evaluate(env)  # type: ignore[union-attr]
        ]  # fmt: skip
        assert pins, f"{req.name} is in pyproject.toml but not in deploy/requirements.lock"
        assert all(req.specifier.contains(v, prereleases=True) for v in pins), (req, pins)
    assert "hatchling" in locked  # the build backend too: the image builds without isolation
    blocks = re.split(r"\n(?=[A-Za-z0-9])", LOCK.split("\n", 2)[2])
    assert all("--hash=sha256:" in b for b in blocks if "==" in b)
    assert "--require-hashes -r requirements.lock" in DOCKERFILE
    assert "--no-deps" in DOCKERFILE
