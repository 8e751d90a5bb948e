"""Package list for setuptools.

`data/` and `resources/` sit at the top level of the checkout (the customer's
layout) but install as `commandmap.data` and `commandmap.resources` (mapped in
pyproject.toml). Automatic discovery cannot see mapped folders, so they are
named here; everything else is configured in pyproject.toml.
"""

from setuptools import find_packages, setup

setup(packages=find_packages(include=["commandmap*", "layers*", "routing*"])
      + ["commandmap.data", "commandmap.resources"])
