"""Test doubles and fixtures' building blocks shared by the unit and integration suites."""
