"""Checks of the deployable templates, scripts and the DAX switch (offline)."""
