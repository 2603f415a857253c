"""Shared pytest setup: draw plots without a display."""

import matplotlib

matplotlib.use("Agg")
