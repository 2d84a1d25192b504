import pytest

from assistants_contract.contract.routing import Router

ROUTES = [
    ("/threads", {"post": "createThread"}),
    ("/threads/{thread_id}", {"get": "getThread", "post": "modifyThread", "delete": "deleteThread"}),
    ("/threads/runs", {"post": "createThreadAndRun"}),
    ("/threads/{thread_id}/runs/{run_id}", {"get": "getRun", "post": "modifyRun"}),
]


@pytest.fixture
def router():
    return Router(ROUTES)


@pytest.mark.parametrize(
    ("method", "path", "operation", "params"),
    [
        ("POST", "/threads", "createThread", {}),
        ("POST", "/v1/threads", "createThread", {}),
        ("post", "/threads/runs", "createThreadAndRun", {}),
        ("POST", "/threads/thread_1", "modifyThread", {"thread_id": "thread_1"}),
        ("GET", "/v1/threads/thread_1/runs/run_2", "getRun", {"thread_id": "thread_1", "run_id": "run_2"}),
        ("GET", "/threads/thread%201/", "getThread", {"thread_id": "thread 1"}),
    ],
)
def test_routes_to_the_most_specific_operation(router, method, path, operation, params):
    found = router.match(method, path)
    assert found.operation_id == operation
    assert dict(found.path_params) == params


def test_known_path_with_unknown_method_lists_the_allowed_ones(router):
    found = router.match("PUT", "/threads/thread_1/runs/run_2")
    assert found.route is not None and found.operation_id is None
    assert found.allowed == ("GET", "POST")


def test_a_literal_segment_is_never_taken_for_an_id(router):
    # /threads/runs has only POST; GET there is a method it lacks, not getThread of a thread called "runs".
    found = router.match("GET", "/threads/runs")
    assert found.route is not None and found.route.template == "/threads/runs"
    assert found.operation_id is None and found.allowed == ("POST",)


@pytest.mark.parametrize("path", ["/nope", "/threads/a/b", "/v2/threads", "/"])
def test_unknown_paths_match_nothing(router, path):
    found = router.match("GET", path)
    assert found.route is None and found.operation_id is None
