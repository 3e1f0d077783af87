"""One harness over the public benchmarks in ``../shared/benchmarks`` and the project's narratives:
which part of each set may be tuned on, which is reported, and the published numbers beside ours."""
