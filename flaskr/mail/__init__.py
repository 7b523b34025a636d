"""E-mail: an outbox in MongoDB that requests write to, and a sender that delivers it."""
