"""The inventory part: asset cards (资产信息卡), card changes (卡片变动), lease recall, split,
return to stock and disposal, sensors and their bindings, register imports, stocktaking (盘点).

Services other parts call: ``propose_card_change`` (e.g. from an idle suggestion, with
``origin="suggestion"`` and ``suggestion_id``), ``propose_disposal`` (registering an adjust
result: the disposal then waits for the reviewer) and ``retarget_pending_disposal`` (the
receiver corrected meanwhile), ``dispose_card`` (the disposal itself, once approved). All
take an async psycopg connection and run in a (nested) transaction.

The services are imported on first use, so that importing a pure core of this package
(reconciliation, rules, label payloads) never pulls in the database driver.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assetpulse.inventory.errors import InventoryError

if TYPE_CHECKING:
    from assetpulse.inventory.changes import approve_change, propose_card_change, reject_change
    from assetpulse.inventory.disposals import propose_disposal, retarget_pending_disposal
    from assetpulse.inventory.lifecycle import dispose_card

__all__ = [
    "InventoryError",
    "approve_change",
    "dispose_card",
    "propose_card_change",
    "propose_disposal",
    "reject_change",
    "retarget_pending_disposal",
]

_LAZY = {
    "approve_change": "assetpulse.inventory.changes",
    "propose_card_change": "assetpulse.inventory.changes",
    "reject_change": "assetpulse.inventory.changes",
    "dispose_card": "assetpulse.inventory.lifecycle",
    "propose_disposal": "assetpulse.inventory.disposals",
    "retarget_pending_disposal": "assetpulse.inventory.disposals",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(name)
    from importlib import import_module

    return getattr(import_module(module), name)
