"""NumerBay Desktop: stake NMR on other people's Numerai models through on-chain vaults."""

__version__ = "0.1.0"
