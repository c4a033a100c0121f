"""Error-correcting code for the invisible mark: the K=7, rate-1/2 convolutional code with
generators 133/171 (octal), the one used by Wi-Fi and deep-space links, decoded by a soft-input
Viterbi decoder.

Soft input lets the decoder weigh each coded bit by how clearly it was read: a bit the video
codec nearly erased counts little, a clear one counts a lot. The encoder is terminated with
K-1 zero bits so that the decoder knows the final state.
"""

from __future__ import annotations

import numpy as np

CONSTRAINT = 7
GENERATORS = (0o133, 0o171)
MEMORY = CONSTRAINT - 1
STATES = 1 << MEMORY


def _parity(values: np.ndarray) -> np.ndarray:
    values = values.copy()
    result = np.zeros_like(values)
    while values.any():
        result ^= values & 1
        values >>= 1
    return result


# The register after shifting bit u into state s is reg = (s << 1) | u (newest bit lowest); the
# next state is reg & (STATES - 1). So a next state `n` fixes its input bit (n & 1) and has two
# predecessors, (n >> 1) and (n >> 1) | (STATES >> 1), told apart by the register's top bit.
_NEXT = np.arange(STATES)
_REGISTERS = np.stack([_NEXT | (top << MEMORY) for top in (0, 1)])  # (2, STATES) per next state
_PREDECESSORS = _REGISTERS >> 1
_OUTPUTS = np.stack([_parity(_REGISTERS & g) for g in GENERATORS], axis=-1)  # (2, STATES, 2)
_SIGNS = 2.0 * _OUTPUTS - 1.0


def coded_length(data_bits: int) -> int:
    """How many coded bits `data_bits` become (two per bit, tail included)."""
    return 2 * (data_bits + MEMORY)


def encode(bits: np.ndarray) -> np.ndarray:
    """The coded bits (0/1 uint8) of `bits` (0/1), terminated by MEMORY zero bits."""
    register = 0
    out = []
    for bit in list(np.asarray(bits, dtype=np.uint8)) + [0] * MEMORY:
        register = ((register << 1) | int(bit)) & ((1 << CONSTRAINT) - 1)
        out.extend(bin(register & g).count("1") & 1 for g in GENERATORS)
    return np.array(out, dtype=np.uint8)


def decode(soft: np.ndarray) -> np.ndarray:
    """The most likely data bits (0/1 uint8) given soft values of the coded bits.

    `soft[i] > 0` says coded bit i is more likely 1, `< 0` more likely 0; the magnitude is the
    confidence (for Gaussian noise, any positive multiple of the log-likelihood ratio).
    """
    soft = np.asarray(soft, dtype=np.float64).reshape(-1, 2)
    steps = soft.shape[0]
    metric = np.full(STATES, -np.inf)
    metric[0] = 0.0
    choices = np.empty((steps, STATES), dtype=np.uint8)
    for step in range(steps):
        branch = _SIGNS @ soft[step]  # (2, STATES): correlation of each branch's output
        candidates = metric[_PREDECESSORS] + branch
        pick = np.argmax(candidates, axis=0)
        choices[step] = pick
        metric = candidates[pick, _NEXT]
    state = 0  # terminated: the tail bits bring the encoder back to state 0
    bits = np.empty(steps, dtype=np.uint8)
    for step in range(steps - 1, -1, -1):
        bits[step] = state & 1
        state = _PREDECESSORS[choices[step, state], state]
    return bits[: steps - MEMORY]


def decode_list(soft: np.ndarray, size: int) -> list[np.ndarray]:
    """The `size` most likely data bit sequences (0/1 uint8), most likely first, given soft
    values of the coded bits (as in `decode`; its answer is the first of the list).

    A list decoder lets a check value act as the decoder's CRC: when the likeliest path fails
    the check, the next likeliest often is the sent one. It keeps the `size` best paths into
    every state (the parallel list Viterbi algorithm), so each path in the list is distinct.
    """
    soft = np.asarray(soft, dtype=np.float64).reshape(-1, 2)
    steps = soft.shape[0]
    metric = np.full((STATES, size), -np.inf)
    metric[0, 0] = 0.0
    # Per step and next state, each kept path's predecessor register top bit and its rank there.
    came_top = np.empty((steps, STATES, size), dtype=np.uint8)
    came_rank = np.empty((steps, STATES, size), dtype=np.int32)
    for step in range(steps):
        branch = _SIGNS @ soft[step]  # (2, STATES)
        # (2, STATES, size): every path into each next state, from either predecessor.
        candidates = metric[_PREDECESSORS] + branch[:, :, None]
        pooled = candidates.transpose(1, 0, 2).reshape(STATES, 2 * size)
        order = np.argsort(-pooled, axis=1, kind="stable")[:, :size]
        metric = np.take_along_axis(pooled, order, axis=1)
        came_top[step] = order // size
        came_rank[step] = order % size
    paths = []
    for rank in range(size):
        if not np.isfinite(metric[0, rank]):
            break
        state, r = 0, rank
        bits = np.empty(steps, dtype=np.uint8)
        for step in range(steps - 1, -1, -1):
            bits[step] = state & 1
            top, r = int(came_top[step, state, r]), int(came_rank[step, state, r])
            state = int(_PREDECESSORS[top, state])
        paths.append(bits[: steps - MEMORY])
    return paths
