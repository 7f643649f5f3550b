"""``assetpulse run`` (一键运行): the whole service on embedded defaults for a newcomer.

A database (embedded PostgreSQL from a wheel) and a broker (mosquitto, else in-process
amqtt) when no URLs are given, then migrations, the demo organisation, and the ingest
worker, the API, a simulated fleet and the analyser as child processes, with a progress
display.
"""

from assetpulse.runner.children import Child, Supervisor
from assetpulse.runner.services import Services, start_services

__all__ = ["Child", "Services", "Supervisor", "start_services"]
