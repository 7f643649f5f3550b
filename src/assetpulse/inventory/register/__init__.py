"""Importing an existing asset register (资产台账) from XLSX or CSV."""
