"""``python -m eachlabs_analytics`` runs the command-line interface."""

from eachlabs_analytics.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
