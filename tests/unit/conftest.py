"""Unit-test set-up: property tests draw the same examples on every run.

Hypothesis picks fresh random examples each run by default; a rare failing draw would then
block someone else's work at random. Derandomized, a run is repeatable: a failure seen once
is seen every time, and a new property is explored by raising ``max_examples`` locally.

``HYPOTHESIS_PROFILE=quick`` draws fewer examples: the second-backend pass of ``make test``
re-checks each property on JAX without repeating the full search the first pass made.
"""

import os

from hypothesis import settings

settings.register_profile("deconv_tutor", derandomize=True, print_blob=True, max_examples=200)
settings.register_profile("quick", parent=settings.get_profile("deconv_tutor"), max_examples=20)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deconv_tutor"))
