"""Pulso: engagement analytics for internal corporate social networks.

``pulso.core`` is the floor (settings, data model, scope); ``pipelines`` writes the
store, ``metrics`` reads it, ``dashboard`` renders; ``pulso.cli`` sits on top.
"""

__version__ = "0.2.0"
