"""CommandMap (指挥一张图): one live map for a city's law-enforcement operation."""

__version__ = "0.1.0"
