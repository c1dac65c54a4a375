"""Per-agent machinery: counted, all-or-nothing, weakly keyed."""

from __future__ import annotations

import gc
import threading
import weakref

from otelscope.core import guard
from otelscope.core.attachment import AgentAttachments


class Agent:
    def __init__(self) -> None:
        self.registry: list[str] = []


class Step:
    def __init__(self, name: str, reject: bool = False) -> None:
        self.name = name
        self.reject = reject

    def attach(self, agent: Agent) -> None:
        if self.reject:
            raise ValueError(f"{self.name} rejected")
        agent.registry.append(self.name)

    def detach(self, agent: Agent) -> bool:
        if self.name not in agent.registry:
            return False
        agent.registry.remove(self.name)
        return True


def test_attaches_on_first_call_and_detaches_after_the_last() -> None:
    attachments = AgentAttachments([Step("a"), Step("b")])
    agent = Agent()
    assert attachments.acquire(agent) is True
    assert attachments.acquire(agent) is True
    assert agent.registry == ["a", "b"]  # once, however many calls overlap
    assert attachments.count(agent) == 2
    attachments.release(agent)
    assert agent.registry == ["a", "b"]
    attachments.release(agent)
    assert agent.registry == []
    assert attachments.count(agent) == 0


def test_a_rejected_step_rolls_back_the_ones_already_made() -> None:
    attachments = AgentAttachments([Step("a"), Step("b"), Step("c", reject=True)])
    agent = Agent()
    assert attachments.acquire(agent) is False
    assert agent.registry == []
    assert attachments.count(agent) == 0
    [error] = guard.take_internal_errors()
    assert str(error) == "c rejected"


def test_release_without_acquire_is_a_no_op() -> None:
    attachments = AgentAttachments([Step("a")])
    agent = Agent()
    attachments.release(agent)
    assert attachments.acquire(agent) is True
    attachments.release(agent)
    attachments.release(agent)
    assert agent.registry == []
    assert attachments.count(agent) == 0


def test_a_registration_found_gone_is_reported() -> None:
    attachments = AgentAttachments([Step("a")])
    agent = Agent()
    attachments.acquire(agent)
    agent.registry.clear()  # the user wiped the framework's registry
    attachments.release(agent)
    [problem] = guard.take_internal_errors()
    assert str(problem) == f"a was already removed from {agent!r}"


def test_agents_are_weakly_keyed() -> None:
    attachments = AgentAttachments([Step("a")])
    agent = Agent()
    attachments.acquire(agent)
    ref = weakref.ref(agent)
    del agent
    gc.collect()
    assert ref() is None
    assert attachments.attached_agents() == 0


def test_threads_share_one_attachment() -> None:
    attachments = AgentAttachments([Step("a")])
    agent = Agent()
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        for _ in range(200):
            assert attachments.acquire(agent)
            assert agent.registry == ["a"]
            attachments.release(agent)

    with_attachment_held = attachments.acquire(agent)
    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert with_attachment_held and attachments.count(agent) == 1
    attachments.release(agent)
    assert agent.registry == []


def test_a_step_raising_on_detach_still_detaches_the_others() -> None:
    class Exploding(Step):
        def detach(self, agent: Agent) -> bool:
            raise RuntimeError("detach failed")

    attachments = AgentAttachments([Step("a"), Exploding("b"), Step("c")])
    agent = Agent()
    attachments.acquire(agent)
    attachments.release(agent)
    assert agent.registry == ["b"]  # only the exploding step's registration stays
    assert attachments.count(agent) == 0
    assert [str(e) for e in guard.take_internal_errors()] == ["detach failed"]
