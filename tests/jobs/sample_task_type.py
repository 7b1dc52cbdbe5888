"""A task type an operator could ship in their own distribution (registered through an entry point)."""

from pydantic import BaseModel, Field

from tests.jobs import sample_task_node
from webapi.jobs.registry import TaskType


class SampleParams(BaseModel):
    text: str = Field(min_length=1, max_length=100)


TASK = TaskType(
    name="sample",
    description="Reverses a text.",
    parameters=SampleParams,
    node_function=sample_task_node.run,
)
