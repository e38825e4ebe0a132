"""The connector contract and the registry of kinds: one module per kind registers itself here."""

from animateur.channels.connectors.base import (
    Capability,
    Connector,
    RawItem,
    connector_for,
    get_kind,
    kinds,
    register,
)

__all__ = ["Capability", "Connector", "RawItem", "connector_for", "get_kind", "kinds", "register"]
