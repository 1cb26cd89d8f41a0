"""Backpropagation by hand: the course's reference model, checks and grading commands."""
