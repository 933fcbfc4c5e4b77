"""The secretariat's inbox, read: bounces, calendar replies and mailed unsubscribes.

- `verp`: the envelope sender of each message, `local+b<token>@domain`, names its outbox row;
- `mailbox`: the IMAP reader (imapclient, in a thread), which marks what it handled;
- `parse`: what a message is (a delivery status notification, a text bounce, an auto-reply, a
  calendar reply, an unsubscribe request, or nothing for us);
- `worker`: the scheduler job that polls, hands each message to an operation
  (`bot.ops.inbound`) and marks it handled, and the daily note to administrators.
"""
