"""The project's benchmark, `make bench` (`python -m bench`).

Five figures, each a ratio or an error measured in one run of this command, with several
repetitions and the median quoted (the machine is shared and noisy):

1. grading overhead: the class-grading command's seconds per submission against the floor of
   executing the same notebooks with nbclient alone (module `grading`);
2. parallel grading: the speed-up of jobs=2 over jobs=1 (module `grading`);
3. the reference's batched forward + backward against HIPS autograd, PyTorch and JAX, and
   against the floor of its matrix products (module `autodiff`);
4. gradient-check accuracy: numerical against analytic gradients as h shrinks (module
   `gradcheck`);
5. run-all time of each solution notebook and of the test suite (module `runall`).

The table is printed and the same figures are written as JSON under bench/results/ (module
`report`). Nothing here is a test: no time is asserted anywhere.
"""
