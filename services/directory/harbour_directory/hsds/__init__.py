"""HSDS 3.0: its tables and fields, JSON and tabular import and export."""
