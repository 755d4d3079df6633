"""Alerts in the window: the banner, tray notifications, the history view, the rules dialog."""
