from sqlalchemy import func, select

from webapi.monitoring.collection import history
from webapi.monitoring.collection.derive import NodeMetrics
from webapi.monitoring.collection.tables import SampleRow

HOUR = 3600.0


def fill(session, start: float, end: float, every: float, value_of=lambda ts: ts) -> None:
    ts = start
    while ts < end:
        history.write(session, history.sample_rows({"n1": NodeMetrics(ts=ts, cpu_percent=value_of(ts))}))
        ts += every


def count(session, resolution: int | None = None) -> int:
    statement = select(func.count()).select_from(SampleRow)
    if resolution is not None:
        statement = statement.where(SampleRow.resolution == resolution)
    return session.scalar(statement)


def test_unknown_values_are_not_written(sessions):
    with sessions() as session:
        history.write(session, history.sample_rows({"n1": NodeMetrics(ts=1.0, cpu_percent=5.0)}))
        assert [(r.metric, r.value) for r in session.scalars(select(SampleRow))] == [("cpu_percent", 5.0)]


def test_old_raw_rows_become_bucket_averages(sessions):
    now = 100 * HOUR
    with sessions() as session:
        # Two hours of 60-s samples ending 25 h ago (older than the 24-h raw window), and 1 h of recent ones.
        fill(session, now - 27 * HOUR, now - 25 * HOUR, 60)
        fill(session, now - HOUR, now, 60)
        result = history.compact(session, now, raw_keep=24 * HOUR, bucket=300, retention=7 * 24 * HOUR)
        assert result.downsampled == 24 and result.expired == 0
        assert count(session, 0) == 60 and count(session, 300) == 24
        first = session.scalars(
            select(SampleRow).where(SampleRow.resolution == 300).order_by(SampleRow.ts)
        ).first()
        # The average of ts over the bucket's five 60-s samples is its middle sample.
        assert (first.ts, first.value) == (now - 27 * HOUR, now - 27 * HOUR + 120)
        again = history.compact(session, now, raw_keep=24 * HOUR, bucket=300, retention=7 * 24 * HOUR)
        assert again.downsampled == 0 and count(session) == 84


def test_rows_older_than_the_retention_go(sessions):
    now = 1000 * HOUR
    with sessions() as session:
        fill(session, now - 9 * 24 * HOUR, now - 8 * 24 * HOUR, 600)
        fill(session, now - 2 * HOUR, now, 600)
        history.compact(session, now, raw_keep=24 * HOUR, bucket=300, retention=7 * 24 * HOUR)
        assert count(session) == 12 and count(session, 0) == 12


def test_query_in_a_window_and_with_a_step(sessions):
    with sessions() as session:
        fill(session, 0, 600, 10, value_of=lambda ts: 1.0 if ts < 300 else 3.0)
        points = history.query(session, "n1", "cpu_percent", 100, 200)
        assert [ts for ts, _ in points] == [100 + 10 * i for i in range(11)]
        stepped = history.query(session, "n1", "cpu_percent", 0, 599, step=300)
        assert stepped == [(0, 1.0), (300, 3.0)]
        assert history.query(session, "other", "cpu_percent", 0, 600) == []
