"""The error bad training input raises: missing data, unknown model, impossible settings."""


class TrainError(ValueError):
    """Training cannot start with these inputs; the message names what is wrong."""
