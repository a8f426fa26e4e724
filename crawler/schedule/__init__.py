"""Scheduled crawls: a foreground APScheduler service that runs each crawl in a child process."""
