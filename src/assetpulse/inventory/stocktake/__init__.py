"""盘点 stocktaking: tasks handed down the unit tree, scans, reconciliation, reports."""
