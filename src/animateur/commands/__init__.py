"""Subcommands of `animateur` beyond serving and setting up: channels, the stream, API tokens.

Each module adds its parsers to the command line (`add_parsers`) and goes through the same actions
as the web app, as `system:cli`.
"""
