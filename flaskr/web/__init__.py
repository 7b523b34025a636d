"""What every request passes through: errors, headers, logs, health, rate limits, sign-in glue."""
