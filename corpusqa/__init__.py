"""corpusqa: cited extractive question answering over Chinese newspaper articles."""

__version__ = "0.1.0"
