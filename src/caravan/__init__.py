"""Caravan: a federated social server built around moving between platforms."""

__version__ = "0.1.0"
