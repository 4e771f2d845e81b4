"""Operations: backups and restores, metrics, request logs, security headers."""
