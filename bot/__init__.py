"""treatywatch: DPRK–Russia treaty, troop and KCNA news alerts for Discord and Slack."""

__version__ = "0.1.0"
