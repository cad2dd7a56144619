"""Backoff grows and caps, jitter stays in its band, the token buckets hold the overall rate."""

from __future__ import annotations

import pytest

from controller.rate_limiter import (
    BackoffSettings,
    ExponentialBackoffLimiter,
    TokenBucket,
    default_controller_rate_limiter,
)


def test_backoff_doubles_from_base_until_cap_without_jitter() -> None:
    settings = BackoffSettings(base_seconds=0.5, cap_seconds=5.0, jitter=0)
    limiter = ExponentialBackoffLimiter(settings)
    delays = [limiter.when("a") for _ in range(8)]
    assert delays == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0, 5.0, 5.0]
    assert limiter.failures("a") == 8


def test_backoff_is_per_key_and_forget_resets_it() -> None:
    limiter = ExponentialBackoffLimiter(BackoffSettings(base_seconds=1.0, cap_seconds=60, jitter=0))
    limiter.when("a")
    limiter.when("a")
    assert limiter.when("b") == 1.0
    assert limiter.when("a") == 4.0
    limiter.forget("a")
    assert limiter.failures("a") == 0
    assert limiter.when("a") == 1.0


def test_jitter_shortens_within_its_band_and_never_exceeds_the_cap() -> None:
    settings = BackoffSettings(base_seconds=1.0, cap_seconds=8.0, jitter=0.25)
    low = ExponentialBackoffLimiter(settings, uniform=lambda a, b: a)
    high = ExponentialBackoffLimiter(settings, uniform=lambda a, b: b)
    assert [low.when("k") for _ in range(5)] == [0.75, 1.5, 3.0, 6.0, 6.0]
    assert [high.when("k") for _ in range(5)] == [1.0, 2.0, 4.0, 8.0, 8.0]
    real = ExponentialBackoffLimiter(settings)
    for failures in range(12):
        delay = real.when("k")
        expected = min(8.0, 2.0**failures)
        assert expected * 0.75 <= delay <= expected


def test_huge_failure_counts_do_not_overflow() -> None:
    limiter = ExponentialBackoffLimiter(BackoffSettings(base_seconds=1.0, cap_seconds=30, jitter=0))
    assert limiter.unjittered_delay(5000) == 30.0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"base_seconds": 0.0},
        {"base_seconds": 2.0, "cap_seconds": 1.0},
        {"jitter": 1.0},
        {"jitter": -0.1},
    ],
)
def test_invalid_backoff_settings_are_rejected(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=r"must|needs"):
        BackoffSettings(**kwargs)


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_default_limiter_is_the_key_s_own_backoff_and_books_nothing_shared() -> None:
    limiter = default_controller_rate_limiter(BackoffSettings(jitter=0))
    assert limiter.when("x") == pytest.approx(0.005)
    assert limiter.when("x") == pytest.approx(0.010)
    # 200 other keys failing at once do not push "y" back: no shared slot is booked.
    for i in range(200):
        limiter.when(i)
    assert limiter.when("y") == pytest.approx(0.005)


def test_token_bucket_never_reserves() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=10.0, burst=2, clock=clock)
    assert [bucket.try_take() for _ in range(2)] == [0.0, 0.0]
    # Empty: each caller is told when the next token comes, and asking again books nothing.
    assert [bucket.try_take() for _ in range(5)] == [pytest.approx(0.1)] * 5
    clock.now += 0.1
    assert bucket.try_take() == 0.0
    assert bucket.try_take() == pytest.approx(0.1)
