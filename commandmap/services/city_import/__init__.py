"""Import a real city (boundaries, roads, roster, site registry) described by a city.toml.

`import_city(engine, "city.toml", progress=...)` is the whole use case; the modules
are its steps: `spec` (the file format), `coords` (GCJ-02/BD-09/EPSG to WGS84),
`readers` (CSV, XLSX, vector layers), `areas` and `rows` (validation), `check`
(read and check everything), `writer` (one transaction), `synthetic` (a demo
operation on any road file).
"""

from .model import Changes, ImportReport, Progress, Rejection
from .run import import_city
from .spec import CitySpecError, parse_city_spec
from .writer import CityReplaceError

__all__ = ["Changes", "CityReplaceError", "CitySpecError", "ImportReport", "Progress", "Rejection",
           "import_city", "parse_city_spec"]
