"""The project's benchmark, `make bench` (`python -m bench`).

Seven figures, each a ratio or an error measured in one run of this command, with several
repetitions and the median quoted (the machine is shared and noisy):

1. grading overhead: sandboxed grading's seconds per submission against the floor of
   executing the same notebooks with nbclient alone, and where the time goes (module
   `grading`, profile in `worker_profile`);
2. sandbox cost: grading's seconds per submission with the sandbox and without, on the same
   class in the same run (module `grading`);
3. parallel grading: the speed-up of jobs=2 over jobs=1 (module `grading`);
4. the reference's batched forward + backward against HIPS autograd, PyTorch and JAX, and
   against the floor of its matrix products (module `autodiff`);
5. gradient-check accuracy: numerical against analytic gradients as h shrinks (module
   `gradcheck`);
6. run-all time of each solution notebook and of the test suite (module `runall`);
7. grading on a Dask cluster: the speed-up of 1 and 2 Dask workers next to the local pool
   (module `cluster`).

The table is printed and the same figures are written as JSON under bench/results/ (module
`report`). Nothing here is a test: no time is asserted anywhere.
"""
