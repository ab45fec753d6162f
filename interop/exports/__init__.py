"""Exports in the open standards: Open Referral HSDS 3.0, OpenActive RPDE feeds, schema.org
JSON-LD. Published data only; the mapping is written here, the reads are in `selectors`."""
