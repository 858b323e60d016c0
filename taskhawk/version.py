"""The library's version, in one place: `taskhawk.__version__` and `taskhawk --version`."""

__all__ = ["__version__"]

__version__ = "5.0.0.dev0"
