"""The notifications room listens to the directory's domain signals (sent after commit)."""
