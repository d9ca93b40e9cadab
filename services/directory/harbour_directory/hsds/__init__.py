"""HSDS 3.0: its tables and fields, records read and written, the read API and the exports."""
