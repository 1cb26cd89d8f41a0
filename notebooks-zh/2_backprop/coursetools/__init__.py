"""What students may see: numerical gradients, checks with feedback, the catalogue of mistakes.

This package imports only numpy and itself, so the course ships it beside each assignment.
Its messages come in the language of the edition (i18n).
"""

from .casefile import load_case
from .checks import CheckFailure, check, check_numerical_gradient_on
from .exercises import (
    check_accuracy,
    check_labels,
    check_new_dict,
    check_shape_table,
    graded_only_with_right_steps,
)
from .mistakes import MISTAKES, diagnose
from .numgrad import gradient_check, numerical_gradient, relative_error

__all__ = ["MISTAKES", "CheckFailure", "check", "check_accuracy", "check_labels",
           "check_new_dict", "check_numerical_gradient_on", "check_shape_table", "diagnose",
           "gradient_check", "graded_only_with_right_steps", "load_case", "numerical_gradient",
           "relative_error"]
