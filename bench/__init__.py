"""bench: the command line and the run store that chain synth -> train -> judge -> results."""

__version__ = "0.1.0"
