"""The core of tasks-api: entities, value objects and their rules.

Standard library only. Nothing here knows about HTTP, databases or frameworks.
"""
