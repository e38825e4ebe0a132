"""Every write of moderation, one module per noun: permission, one transaction, one audit event per change.

decisions (approve, reject, delete, spam; escalate), flags, sanctions, rules, words (watched
words and ready-made lists), settings. Import each action from its module.
"""
