"""A separate process for the crash and lock tests: `publish URL BATCH.pickle` or `lock URL MARKER` or `hold FILE MARKER`."""

from __future__ import annotations

import pickle
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import load  # noqa: E402


def main(action: str, url: str, arg: str) -> None:
    if action == "publish":
        batch = pickle.loads(Path(arg).read_bytes())
        engine = load.connect(url)
        load.publish(engine, batch)
        engine.dispose()
    elif action == "lock":
        with load.run_lock(url):
            Path(arg).touch()
            time.sleep(3600)
    elif action == "hold":
        import duckdb

        holder = duckdb.connect(url)  # noqa: F841 (kept open until killed)
        Path(arg).touch()
        time.sleep(3600)


if __name__ == "__main__":
    main(*sys.argv[1:4])
