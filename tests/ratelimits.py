"""Rate-limit tests count requests inside one window of the limiter. Windows are aligned on the
clock's minutes, so a test that starts in the last seconds of a minute waits for the next one: its
requests then all fall in one window, whatever the machine's speed."""

from __future__ import annotations

import asyncio
import time

#: Longer than any rate-limit test takes to send its requests.
MARGIN_SECONDS = 10


async def fresh_window() -> None:
    left = 60 - time.time() % 60
    if left < MARGIN_SECONDS:
        await asyncio.sleep(left + 0.05)
