"""What students may see: numerical gradients, checks with feedback, the catalogue of mistakes.

This package imports only numpy and itself, so the course ships it beside each assignment.
"""

from .casefile import load_case
from .checks import CheckFailure, check, check_numerical_gradient_on
from .mistakes import MISTAKES, diagnose
from .numgrad import gradient_check, numerical_gradient, relative_error

__all__ = ["MISTAKES", "CheckFailure", "check", "check_numerical_gradient_on", "diagnose",
           "gradient_check", "load_case", "numerical_gradient", "relative_error"]
