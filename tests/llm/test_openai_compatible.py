"""ChatClient against a real HTTP server on loopback: answers, headers, retries, timeouts, bad answers."""

from __future__ import annotations

import email.utils
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from agentmem.errors import ConfigError, LLMError
from agentmem.llm.openai_compatible import ChatClient
from agentmem.types import Message
from tests.llm import server as loopback
from tests.llm.server import Reply, ScriptedServer, chat_reply, unused_port

llm_server = loopback.llm_server

QUESTION = [Message("user", "How are you?")]


def _client(server: ScriptedServer, delays: list[float], **options: Any) -> ChatClient:
    return ChatClient(server.url, model="test-model", sleep=delays.append, **options)


def test_a_good_answer_is_parsed_and_the_request_is_openai_shaped(llm_server: ScriptedServer) -> None:
    llm_server.script(chat_reply("Fine, thanks."))
    client = ChatClient(llm_server.url, model="test-model")

    answer = client.complete([Message("system", "Be brief."), {"role": "user", "content": "Hi"}], max_tokens=7)

    assert answer == "Fine, thanks."
    (request,) = llm_server.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["Content-Type"] == "application/json"
    assert "Authorization" not in request.headers
    assert request.json() == {
        "model": "test-model",
        "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}],
        "temperature": 0.0,
        "max_tokens": 7,
    }


def test_the_api_key_is_sent_as_a_bearer_token(llm_server: ScriptedServer) -> None:
    llm_server.script(chat_reply("ok"))
    ChatClient(llm_server.url, model="m", api_key="sk-secret").complete(QUESTION)
    assert llm_server.requests[0].headers["Authorization"] == "Bearer sk-secret"


def test_a_full_endpoint_url_is_not_extended_and_credentials_never_show(llm_server: ScriptedServer) -> None:
    llm_server.script(chat_reply("ok"))
    base = f"http://user:pa%20ss@127.0.0.1:{llm_server.port}/v1/chat/completions/"
    client = ChatClient(base, model="m")

    assert client.complete(QUESTION) == "ok"
    assert llm_server.requests[0].path == "/v1/chat/completions"
    assert llm_server.requests[0].headers["Authorization"] == "Basic dXNlcjpwYSBzcw=="  # user:pa ss
    assert client.url == f"http://127.0.0.1:{llm_server.port}/v1/chat/completions"
    assert "user" not in repr(client)

    refused = ChatClient(f"http://user:secret@127.0.0.1:{unused_port()}/v1?key=secret", model="m", retries=0)
    with pytest.raises(LLMError) as caught:
        refused.complete(QUESTION)
    assert "secret" not in str(caught.value)
    assert "secret" not in caught.value.url


def test_a_leading_think_block_is_removed(llm_server: ScriptedServer) -> None:
    llm_server.script(chat_reply("<think>\nThe user greets me.\n</think>\n\nHello!"))
    assert ChatClient(llm_server.url, model="m").complete(QUESTION) == "Hello!"


def test_a_server_error_is_retried_with_exponential_backoff(llm_server: ScriptedServer) -> None:
    llm_server.script(Reply(500, "overloaded"), Reply(502, "bad gateway"), chat_reply("finally"))
    delays: list[float] = []

    assert _client(llm_server, delays, backoff=0.5).complete(QUESTION) == "finally"

    assert len(llm_server.requests) == 3
    assert len(delays) == 2
    assert 0.5 <= delays[0] <= 0.55  # backoff plus at most 10 % jitter
    assert 1.0 <= delays[1] <= 1.1


def test_retry_after_as_an_http_date(llm_server: ScriptedServer) -> None:
    when = email.utils.format_datetime(datetime.now(timezone.utc) + timedelta(seconds=5), usegmt=True)
    llm_server.script(Reply(503, "maintenance", {"Retry-After": when}), chat_reply("ok"))
    delays: list[float] = []

    assert _client(llm_server, delays).complete(QUESTION) == "ok"
    assert 3.5 < delays[0] <= 5.0


def test_a_malformed_answer_after_retries_counts_every_attempt(llm_server: ScriptedServer) -> None:
    llm_server.script(Reply(502, "bad gateway"), Reply(200, "<html>proxy login</html>"))
    with pytest.raises(LLMError, match="not JSON") as caught:
        _client(llm_server, []).complete(QUESTION)
    assert (caught.value.status, caught.value.attempts) == (200, 2)


def test_429_waits_as_long_as_retry_after_says_capped(llm_server: ScriptedServer) -> None:
    llm_server.script(
        Reply(429, {"error": {"message": "slow down"}}, {"Retry-After": "2"}),
        Reply(429, "slow down", {"Retry-After": "3600"}),
        chat_reply("ok"),
    )
    delays: list[float] = []

    assert _client(llm_server, delays, max_retry_after=30.0).complete(QUESTION) == "ok"
    assert delays == [2.0, 30.0]


@pytest.mark.parametrize("status", [400, 401, 404, 422])
def test_client_errors_other_than_429_are_not_retried(llm_server: ScriptedServer, status: int) -> None:
    llm_server.script(Reply(status, {"error": {"message": "model 'nope' not found"}}))
    delays: list[float] = []

    with pytest.raises(LLMError) as caught:
        _client(llm_server, delays).complete(QUESTION)

    assert len(llm_server.requests) == 1
    assert delays == []
    error = caught.value
    assert (error.status, error.attempts) == (status, 1)
    assert "model 'nope' not found" in str(error)
    assert f"HTTP {status}" in str(error)


def test_retries_run_out_with_the_last_status_and_body_in_the_error(llm_server: ScriptedServer) -> None:
    llm_server.script(*[Reply(503, "<html>try later</html>")] * 3)
    delays: list[float] = []

    with pytest.raises(LLMError) as caught:
        _client(llm_server, delays, retries=2).complete(QUESTION)

    assert (caught.value.status, caught.value.attempts) == (503, 3)
    assert "<html>try later</html>" in str(caught.value)
    assert caught.value.url == f"http://127.0.0.1:{llm_server.port}/v1/chat/completions"
    assert len(delays) == 2


def test_a_slow_server_times_out_is_retried_then_raises(llm_server: ScriptedServer) -> None:
    llm_server.script(chat_reply("late", delay=0.5), chat_reply("late", delay=0.5))
    delays: list[float] = []
    started = time.monotonic()

    with pytest.raises(LLMError) as caught:
        _client(llm_server, delays, timeout=0.2, retries=1).complete(QUESTION)

    assert time.monotonic() - started < 0.9
    assert (caught.value.status, caught.value.attempts) == (None, 2)
    assert "no answer within 0.2 s" in str(caught.value)
    assert len(llm_server.requests) == 2
    assert len(delays) == 1


def test_a_timeout_then_an_answer_succeeds(llm_server: ScriptedServer) -> None:
    llm_server.script(chat_reply("late", delay=0.5), chat_reply("on time"))
    assert _client(llm_server, [], timeout=0.2).complete(QUESTION) == "on time"


def test_nothing_listening_is_retried_then_raises() -> None:
    delays: list[float] = []
    client = ChatClient(f"http://127.0.0.1:{unused_port()}/v1", model="m", retries=2, sleep=delays.append)

    with pytest.raises(LLMError, match="connection failed") as caught:
        client.complete(QUESTION)

    assert (caught.value.status, caught.value.attempts) == (None, 3)
    assert len(delays) == 2


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("this is not json {", "not JSON"),
        (b"\xff\xfe\x00garbage", "not JSON"),
        ({"object": "chat.completion"}, "no choices"),
        ({"choices": []}, "no choices"),
        ({"choices": [{"message": {"role": "assistant"}}]}, "no choices"),
        ({"choices": [{"message": {"role": "assistant", "content": None}}]}, "not text"),
        ({"error": {"message": "context length exceeded"}}, "context length exceeded"),
    ],
)
def test_a_malformed_answer_raises_without_retrying(llm_server: ScriptedServer, body: object, message: str) -> None:
    llm_server.script(Reply(200, body))
    delays: list[float] = []

    with pytest.raises(LLMError, match=message) as caught:
        _client(llm_server, delays).complete(QUESTION)

    assert caught.value.status == 200
    assert len(llm_server.requests) == 1
    assert delays == []


def test_from_env_reads_agentmem_variables_then_openai_ones(llm_server: ScriptedServer) -> None:
    ours = ChatClient.from_env(
        environ={"AGENTMEM_LLM_BASE_URL": llm_server.url, "AGENTMEM_LLM_MODEL": "llama", "OPENAI_API_KEY": "sk-1"}
    )
    llm_server.script(chat_reply("ok"))
    ours.complete(QUESTION)
    assert ours.model == "llama"
    assert llm_server.requests[0].headers["Authorization"] == "Bearer sk-1"

    theirs = ChatClient.from_env(environ={"OPENAI_BASE_URL": "https://api.example.com/v1", "OPENAI_MODEL": "gpt"})
    assert (theirs.url, theirs.model) == ("https://api.example.com/v1/chat/completions", "gpt")


@pytest.mark.parametrize(
    ("environ", "missing"),
    [
        ({}, "AGENTMEM_LLM_BASE_URL and AGENTMEM_LLM_MODEL"),
        ({"AGENTMEM_LLM_BASE_URL": "http://localhost:8080/v1"}, "AGENTMEM_LLM_MODEL"),
        ({"OPENAI_MODEL": "gpt", "AGENTMEM_LLM_BASE_URL": ""}, "AGENTMEM_LLM_BASE_URL"),
    ],
)
def test_from_env_without_url_or_model_is_a_config_error(environ: dict[str, str], missing: str) -> None:
    with pytest.raises(ConfigError, match=missing):
        ChatClient.from_env(environ=environ)


@pytest.mark.parametrize(
    ("base_url", "options"),
    [
        ("localhost:8080/v1", {}),
        ("ftp://host/v1", {}),
        ("http:///v1", {}),
        ("http://host/v1", {"model": " "}),
        ("http://host/v1", {"timeout": 0}),
        ("http://host/v1", {"retries": -1}),
    ],
)
def test_bad_settings_are_config_errors(base_url: str, options: dict[str, object]) -> None:
    settings: dict[str, Any] = {"model": "m", **options}
    with pytest.raises(ConfigError):
        ChatClient(base_url, **settings)


def test_messages_must_have_a_role_and_content(llm_server: ScriptedServer) -> None:
    client = ChatClient(llm_server.url, model="m")
    with pytest.raises(ConfigError):
        client.complete([])
    with pytest.raises(ConfigError, match="#0"):
        client.complete([{"content": "no role"}])
    assert llm_server.requests == []
