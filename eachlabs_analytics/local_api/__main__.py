"""Regenerate the sample: ``python -m eachlabs_analytics.local_api --out data/x.parquet``."""

from eachlabs_analytics.local_api.generator import main

if __name__ == "__main__":
    raise SystemExit(main())
