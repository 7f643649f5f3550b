"""The inventory part: asset cards (资产信息卡), card changes (卡片变动), lease recall, split,
return to stock and disposal, sensors and their bindings, register imports, stocktaking (盘点).

Services other parts call: ``propose_card_change`` (e.g. from an idle suggestion, with
``origin="suggestion"`` and ``suggestion_id``) and ``dispose_card`` (registering an adjust
result). Both take an async psycopg connection and run in a (nested) transaction.
"""

from assetpulse.inventory.changes import approve_change, propose_card_change, reject_change
from assetpulse.inventory.errors import InventoryError
from assetpulse.inventory.lifecycle import dispose_card

__all__ = [
    "InventoryError",
    "approve_change",
    "dispose_card",
    "propose_card_change",
    "reject_change",
]
