"""Mail: building messages, scheduling, the outbox delivery worker."""
