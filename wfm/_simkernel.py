"""Compiled kernels of the call-centre simulator (pure arrays in, arrays out).

Two exact kernels for the same model, used by :mod:`wfm.simulate`:

* :func:`fcfs_single_queue` -- one queue, first come first served, callers who hang
  up.  Calls are taken one by one in order of arrival; a heap keyed by the time each
  agent is next free says when and by whom a call would be answered.  A caller whose
  patience runs out before that hangs up and leaves the agent untouched.  This is the
  classic virtual-waiting-time recursion of the FCFS G/G/c+G queue, O(n log c).
* :func:`skills_priorities` -- several queues, agents with skill sets, queue
  priorities: an event-driven simulation (arrivals, call completions, agents coming
  on and going off), O(n (c + k) + n log c).

Both share the rules of presence.  Each agent has a sorted list of *windows*
(on-phone periods: shift minus breaks and activities).  An agent takes calls only
inside a window.  An agent busy at the end of a window finishes the call in hand and
then takes the *whole* break: the return is delayed by the overrun, never shortened
(``return = max(planned return, end of call + planned break length)``).  At the end of
the shift the agent finishes the call in hand and leaves.  Among idle agents the one
idle longest answers; ties go to the lower agent index.

Times are float seconds from an origin chosen by the caller.  Outputs per call:
``start`` (answer time, NaN if not answered), ``agent`` (-1 if none), ``outcome``
(0 answered, 1 abandoned, 2 still waiting when no agent was left).  Outputs per window:
``eff_start``, ``eff_end`` -- when the agent really came on and went off (NaN for a
window lost entirely to an overrun).

The kernels are compiled with numba when it is installed and run as plain Python
otherwise (same results, much slower).
"""

from __future__ import annotations

import heapq
import math

import numpy as np

try:  # pragma: no cover - exercised implicitly
    from numba import njit

    HAVE_NUMBA = True
except ImportError:  # pragma: no cover
    HAVE_NUMBA = False

    def njit(*args, **kwargs):
        if args and callable(args[0]):
            return args[0]
        return lambda f: f


__all__ = ["fcfs_single_queue", "skills_priorities", "time_in_grid", "HAVE_NUMBA"]

ANSWERED, ABANDONED, UNSERVED = 0, 1, 2


@njit(cache=True)
def _next_window(w, t_free, busy_overrun, win_start, win_end, win_last):
    """Window the agent enters after window ``w``, and when.

    ``t_free`` is when the agent is free: the end of the call in hand when
    ``busy_overrun`` (the break then starts late and keeps its full length), or the
    end of window ``w`` otherwise.  Returns ``(w_next, t_return)``; ``w_next = -1``
    when the shift is over.  Windows lost entirely to an overrun are skipped (their
    index is returned through the loop, the caller marks them).
    """
    while w < win_last:
        gap = win_start[w + 1] - win_end[w]
        ret = win_start[w + 1]
        if busy_overrun:
            ret = max(ret, t_free + gap)
        w += 1
        if ret < win_end[w]:
            return w, ret
        # the delayed return falls after this window too: the break runs on.
        t_free = ret
        busy_overrun = True
    return -1, math.inf


@njit(cache=True)
def fcfs_single_queue(arrival, service, patience, win_start, win_end, win_first, win_count):
    """Simulate one FCFS queue with abandonment and agents coming and going.

    Parameters
    ----------
    arrival : float64[n]
        Arrival times, sorted ascending [s].
    service : float64[n]
        Handle times [s].
    patience : float64[n]
        Patience of each caller [s] (``inf`` for callers who never hang up).
    win_start, win_end : float64[m]
        On-phone windows of all agents, grouped by agent and sorted within it [s].
    win_first, win_count : int64[c]
        First window index and number of windows of each agent.

    Returns
    -------
    start : float64[n]
    agent : int64[n]
    outcome : int8[n]
    eff_start, eff_end : float64[m]
    """
    n = arrival.shape[0]
    m = win_start.shape[0]
    c = win_first.shape[0]
    start = np.full(n, np.nan)
    agent = np.full(n, -1, np.int64)
    outcome = np.zeros(n, np.int8)
    eff_start = np.full(m, np.nan)
    eff_end = np.full(m, np.nan)
    cur = np.full(c, -1, np.int64)  # current window of each agent
    # heap of (time the agent is next free inside its current window, agent index)
    heap = [(0.0, np.int64(0)) for _ in range(0)]
    for g in range(c):
        if win_count[g] > 0:
            w = win_first[g]
            cur[g] = w
            eff_start[w] = win_start[w]
            heap.append((win_start[w], np.int64(g)))
    heapq.heapify(heap)
    for i in range(n):
        a = arrival[i]
        served = False
        while len(heap) > 0:
            f, g = heap[0]
            w = cur[g]
            s = max(f, a)
            if s >= win_end[w]:
                # idle (or about to be) when its window closed: off on time.
                heapq.heappop(heap)
                eff_end[w] = win_end[w]
                last = win_first[g] + win_count[g] - 1
                w2, ret = _next_window(w, win_end[w], False, win_start, win_end, last)
                if w2 >= 0:
                    cur[g] = w2
                    eff_start[w2] = ret
                    heapq.heappush(heap, (ret, g))
                continue
            if s - a > patience[i]:
                outcome[i] = ABANDONED
                served = True  # decided; the agent is untouched
                break
            heapq.heappop(heap)
            start[i] = s
            agent[i] = g
            d = s + service[i]
            if d < win_end[w]:
                heapq.heappush(heap, (d, g))
            else:
                # finishes the call after the window: late off, full break after.
                eff_end[w] = d
                last = win_first[g] + win_count[g] - 1
                w2, ret = _next_window(w, d, True, win_start, win_end, last)
                if w2 >= 0:
                    cur[g] = w2
                    eff_start[w2] = ret
                    heapq.heappush(heap, (ret, g))
            served = True
            break
        if not served:
            outcome[i] = ABANDONED if math.isfinite(patience[i]) else UNSERVED
    # close the windows of agents still on
    while len(heap) > 0:
        f, g = heapq.heappop(heap)
        w = cur[g]
        eff_end[w] = win_end[w]
        last = win_first[g] + win_count[g] - 1
        while w < last:
            w += 1
            eff_start[w] = win_start[w]
            eff_end[w] = win_end[w]
    return start, agent, outcome, eff_start, eff_end


# event kinds of the multi-skill kernel, in the order they are handled at equal times
_EV_DONE, _EV_ON, _EV_OFF = 0, 1, 2


@njit(cache=True)
def skills_priorities(
    arrival,
    queue,
    service,
    patience,
    n_queues,
    queue_priority,
    skills,
    win_start,
    win_end,
    win_first,
    win_count,
):
    """Simulate several queues served by agents with skills, by queue priority.

    An agent who becomes free takes, among the queues it is skilled for, the waiting
    call of the best priority (lowest number); among equal priorities the one that
    arrived first.  An arriving call goes to the idle skilled agent idle longest.

    Parameters
    ----------
    arrival, service, patience : float64[n]
        As in :func:`fcfs_single_queue`; ``arrival`` sorted.
    queue : int64[n]
        Queue index of each call, in ``[0, n_queues)``.
    n_queues : int
    queue_priority : int64[n_queues]
        Lower is served first.
    skills : bool[c, n_queues]
        ``skills[g, k]``: agent ``g`` may answer queue ``k``.
    win_start, win_end, win_first, win_count
        As in :func:`fcfs_single_queue`.

    Returns
    -------
    As :func:`fcfs_single_queue`.
    """
    n = arrival.shape[0]
    m = win_start.shape[0]
    c = win_first.shape[0]
    start = np.full(n, np.nan)
    agent = np.full(n, -1, np.int64)
    outcome = np.zeros(n, np.int8)
    eff_start = np.full(m, np.nan)
    eff_end = np.full(m, np.nan)
    # per-queue FIFO of call indices (calls of a queue arrive in order)
    count = np.zeros(n_queues, np.int64)
    for i in range(n):
        count[queue[i]] += 1
    offset = np.zeros(n_queues + 1, np.int64)
    for k in range(n_queues):
        offset[k + 1] = offset[k] + count[k]
    fifo = np.empty(n, np.int64)
    fill = offset[:-1].copy()
    for i in range(n):
        k = queue[i]
        fifo[fill[k]] = i
        fill[k] += 1
    head = offset[:-1].copy()  # next waiting call of queue k
    tail = offset[:-1].copy()  # one past the last arrived call of queue k
    # agent state: -1 off, 0 idle, 1 busy
    state = np.full(c, -1, np.int64)
    idle_since = np.zeros(c)
    # idle agents as an unordered set: idle[0:n_idle], idle_pos[g] its place or -1
    idle = np.empty(c, np.int64)
    idle_pos = np.full(c, -1, np.int64)
    n_idle = 0
    cur = np.full(c, -1, np.int64)
    events = [(0.0, np.int64(0), np.int64(0), np.int64(0)) for _ in range(0)]
    for g in range(c):
        if win_count[g] > 0:
            w = win_first[g]
            heapq.heappush(events, (win_start[w], _EV_ON, np.int64(g), w))
    nxt = 0
    while nxt < n or len(events) > 0:
        if len(events) > 0 and (nxt >= n or events[0][0] <= arrival[nxt]):
            t, kind, g, w = heapq.heappop(events)
            if kind == _EV_OFF:
                if cur[g] != w or state[g] != 0:
                    continue  # stale, or busy: the completion handles it
                n_idle -= 1
                moved = idle[n_idle]
                idle[idle_pos[g]] = moved
                idle_pos[moved] = idle_pos[g]
                idle_pos[g] = -1
                eff_end[w] = win_end[w]
                last = win_first[g] + win_count[g] - 1
                w2, ret = _next_window(w, win_end[w], False, win_start, win_end, last)
                state[g] = -1
                if w2 >= 0:
                    cur[g] = w2
                    heapq.heappush(events, (ret, _EV_ON, g, w2))
                continue
            if kind == _EV_DONE:
                if t >= win_end[w]:
                    eff_end[w] = t
                    last = win_first[g] + win_count[g] - 1
                    w2, ret = _next_window(w, t, True, win_start, win_end, last)
                    state[g] = -1
                    if w2 >= 0:
                        cur[g] = w2
                        heapq.heappush(events, (ret, _EV_ON, g, w2))
                    continue
            else:  # _EV_ON
                cur[g] = w
                eff_start[w] = t
                heapq.heappush(events, (win_end[w], _EV_OFF, g, w))
            # the agent is free at t inside window w: take the best waiting call
            best = -1
            best_k = -1
            for k in range(n_queues):
                if not skills[g, k]:
                    continue
                while head[k] < tail[k]:
                    i = fifo[head[k]]
                    if t - arrival[i] > patience[i]:
                        outcome[i] = ABANDONED
                        head[k] += 1
                    else:
                        break
                if head[k] < tail[k]:
                    i = fifo[head[k]]
                    if (
                        best < 0
                        or queue_priority[k] < queue_priority[best_k]
                        or (queue_priority[k] == queue_priority[best_k] and arrival[i] < arrival[best])
                    ):
                        best = i
                        best_k = k
            if best >= 0:
                head[best_k] += 1
                start[best] = t
                agent[best] = g
                state[g] = 1
                heapq.heappush(events, (t + service[best], _EV_DONE, g, w))
            else:
                state[g] = 0
                idle_since[g] = t
                idle[n_idle] = g
                idle_pos[g] = n_idle
                n_idle += 1
        else:
            i = nxt
            nxt += 1
            t = arrival[i]
            k = queue[i]
            tail[k] += 1
            # any call still waiting in k means no skilled agent is idle
            chosen = -1
            if head[k] == tail[k] - 1:
                for j in range(n_idle):
                    g = idle[j]
                    if skills[g, k] and t < win_end[cur[g]]:
                        if chosen < 0 or idle_since[g] < idle_since[chosen] or (
                            idle_since[g] == idle_since[chosen] and g < chosen
                        ):
                            chosen = g
            if chosen >= 0:
                n_idle -= 1
                moved = idle[n_idle]
                idle[idle_pos[chosen]] = moved
                idle_pos[moved] = idle_pos[chosen]
                idle_pos[chosen] = -1
                head[k] += 1
                start[i] = t
                agent[i] = chosen
                state[chosen] = 1
                heapq.heappush(events, (t + service[i], _EV_DONE, chosen, cur[chosen]))
    for k in range(n_queues):
        for j in range(head[k], tail[k]):
            i = fifo[j]
            outcome[i] = ABANDONED if math.isfinite(patience[i]) else UNSERVED
    return start, agent, outcome, eff_start, eff_end


@njit(cache=True)
def time_in_grid(t0, t1, base, step, n_cells):
    """Total length of the segments ``[t0[i], t1[i])`` inside each cell of a regular grid.

    Cell ``j`` is ``[base + j * step, base + (j + 1) * step)``; parts of segments
    outside the grid are ignored.  Returns float64[n_cells] [s].
    """
    out = np.zeros(n_cells)
    end_grid = base + n_cells * step
    for i in range(t0.shape[0]):
        a = max(t0[i], base)
        b = min(t1[i], end_grid)
        if not b > a:
            continue
        j = int((a - base) // step)
        while a < b and j < n_cells:
            edge = base + (j + 1) * step
            cut = min(b, edge)
            out[j] += cut - a
            a = cut
            j += 1
    return out
