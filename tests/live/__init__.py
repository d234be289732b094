"""End-to-end tests against a real systemd booted in namespaces (marker ``live``)."""
