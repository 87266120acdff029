"""Platform-neutral command handlers: request in, Message out.

The Discord, Slack and console adapters parse their platform's request, call a handler
and render the Message it returns; a command is written once, here.
"""
