"""One replication of one line as a discrete-event model: buffers, machines, bottleneck, results."""

from fabsim.sim.line import LineDeadlock, MaterialBalanceError, run_replication
from fabsim.sim.results import BufferResult, ReplicationResult, StepResult

__all__ = [
    "BufferResult",
    "LineDeadlock",
    "MaterialBalanceError",
    "ReplicationResult",
    "StepResult",
    "run_replication",
]
