"""Alerts: threshold rules on the stored feed data, their evaluation and their handling (Qt-free)."""
