from tests.webapi.monitoring.collection.test_parse import PAGE
from webapi.monitoring.collection.scrape import ScrapeResult
from webapi.monitoring.collection.state import NodeState


def ok(node: str = "n1") -> ScrapeResult:
    return ScrapeResult(node, PAGE, None, 0.01)


def failed(node: str = "n1") -> ScrapeResult:
    return ScrapeResult(node, None, "connection failed: refused", 0.01)


def test_unknown_before_the_first_scrape():
    assert NodeState("n1").status(now=100, interval=15) == ("unknown", "not scraped yet")


def test_online_after_a_successful_scrape_and_offline_after_a_failed_one():
    state = NodeState("n1")
    state.record(ok(), ts=100)
    assert state.status(now=101, interval=15) == ("online", None)
    state.record(failed(), ts=115)
    assert state.status(now=116, interval=15) == ("offline", "connection failed: refused")
    state.record(ok(), ts=130)
    assert state.status(now=131, interval=15)[0] == "online"


def test_offline_when_the_data_is_older_than_three_intervals():
    state = NodeState("n1")
    state.record(ok(), ts=100)
    assert state.status(now=145, interval=15)[0] == "online"
    status, reason = state.status(now=146, interval=15)
    assert status == "offline" and "no fresh data" in reason


def test_an_unreadable_page_counts_as_a_failed_scrape():
    state = NodeState("n1")
    state.record(ScrapeResult("n1", "<html>proxy login</html>", None, 0.01), ts=100)
    status, reason = state.status(now=100, interval=15)
    assert status == "offline" and reason.startswith("unreadable metrics")
