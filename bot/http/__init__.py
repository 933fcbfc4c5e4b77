"""The HTTP front: one ASGI app (Starlette) served by uvicorn on the bot's event loop.

One module per route group: `webhook.py` (Telegram updates), `health.py` (/healthz),
`feeds.py` (calendar feeds); `app.py` puts the routes together, `server.py` runs them,
`tokens.py` signs the secrets in links. Adding a group is a module with a `routes()` function
and one line in `app.py`.
"""
