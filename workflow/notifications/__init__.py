"""Telling people: who hears of each event, the in-app inbox, messages sent by e-mail and webhook."""
