"""Operations: one function per thing a user or the scheduler can do.

Each takes the services, the acting viewer (who asks; `Viewer.operator()` for the command line)
and plain arguments; opens the one transaction; enforces the rules (who may change what, date
rules, what a move or a cancel implies, the audit entry); and returns plain values. Handlers,
guided forms, the CLI, the importer and the demo call the same functions. SQL stays in
`storage/`; no operation talks to Telegram or SMTP, so every transaction is closed before a
message leaves.
"""
