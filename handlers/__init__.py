"""Telegram handlers, one module per area: parse, call one operation, format the reply.

The command registry (`handlers/registry.py`) registers them; `handlers/guard.py` checks who may
use each one; `handlers/formatting.py` says how things read in chat.
"""
