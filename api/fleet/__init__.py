"""Vehicles, drivers, maintenance and fuel logs, common destinations."""
