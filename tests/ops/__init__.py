"""Operations: admin CLI, health checks, logging, production mode, outages, scale-out."""
