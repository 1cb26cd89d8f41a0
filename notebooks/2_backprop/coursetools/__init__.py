"""What students may see: numerical gradients, checks with feedback, the catalogue of mistakes.

This package imports only numpy and itself, so the course ships it beside each assignment.
"""

from .checks import CheckFailure, check
from .mistakes import MISTAKES, diagnose
from .numgrad import gradient_check, numerical_gradient, relative_error

__all__ = ["CheckFailure", "check", "MISTAKES", "diagnose", "gradient_check",
           "numerical_gradient", "relative_error"]
