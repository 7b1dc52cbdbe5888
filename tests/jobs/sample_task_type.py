"""A task type an operator could ship in their own distribution (registered through an entry point)."""

from pydantic import BaseModel, Field

from tests.jobs import sample_task_node
from webapi.jobs.plugin_api import PLUGIN_API_VERSION
from webapi.jobs.registry import TaskType


class SampleParams(BaseModel):
    text: str = Field(min_length=1, max_length=100)


TASK = TaskType(
    name="sample",
    description="Reverses a text.",
    parameters=SampleParams,
    node_function=sample_task_node.run,
    api_version=PLUGIN_API_VERSION,
)

# Written for a plugin API this service does not offer: the registry leaves it out.
FROM_THE_FUTURE = TaskType(
    name="future",
    description="Needs a newer DispyCluster.",
    parameters=SampleParams,
    node_function=sample_task_node.run,
    api_version=PLUGIN_API_VERSION + 1,
)
