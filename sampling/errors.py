"""Domain exceptions raised by the statistics core (all are ``ValueError`` subclasses).

The API and CLI layers translate them into user-facing messages; nothing here knows about HTTP or exit codes.
"""

from __future__ import annotations

__all__ = ["CalibrationError", "DesignError", "EstimationError", "LonelyPSUError", "SamplingError"]


class SamplingError(ValueError):
    """Base class for every error raised by :mod:`sampling`."""


class DesignError(SamplingError):
    """The design description is inconsistent (weights, strata, PSUs, FPC)."""


class LonelyPSUError(DesignError):
    """A stratum has a single PSU and the lonely-PSU policy is ``"fail"`` (R's default)."""


class EstimationError(SamplingError):
    """An estimate cannot be computed from the data given (unknown variable, empty domain, bad option)."""


class CalibrationError(SamplingError):
    """Calibration cannot be done as asked (unknown level, empty cell, no convergence, …)."""
