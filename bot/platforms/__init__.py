"""Platform adapters: each parses its platform's requests, calls the platform-neutral
handlers in bot.commands, renders the Message they return, and delivers alerts."""
