"""The web side: the page and JSON API (routes.py), who is asking (owners.py), query bodies and server-sent
events (queries.py), the audit trail, retention, errors and headers, and the `flask` commands (cli.py). app.py
builds the Flask app and calls each part's init_app."""
