"""What a desk is configured with: profiles from profiles.toml, the broker endpoint, alert rules.

The lowest layer but events: every other package may read a Profile; this one imports only
`opsdesk.events` (decoding mappings are part of a profile).

- `profiles`: the Profile values, reading profiles.toml, options and environment over it;
- `endpoint`: where and how to connect (no password is ever persisted);
- `alert_rules`: the rules a profile names (the alerting package evaluates them);
- `profile_file`, `toml_tables`: writing a profile's alerts or mappings back, comments kept.
"""

from opsdesk.config.profiles import (
    DEFAULT_ALERTS,
    Binding,
    ConfigError,
    MonitorSettings,
    Profile,
    TapSettings,
    default_db_path,
    load_profiles,
    log_file,
    resolve_profile,
)

__all__ = [
    "DEFAULT_ALERTS",
    "Binding",
    "ConfigError",
    "MonitorSettings",
    "Profile",
    "TapSettings",
    "default_db_path",
    "load_profiles",
    "log_file",
    "resolve_profile",
]
