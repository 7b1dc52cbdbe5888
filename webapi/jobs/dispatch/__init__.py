"""The job dispatcher's parts, one job each; `webapi.jobs.dispatcher.JobDispatcher` puts them together.

- `engine_api`: what the dispatcher needs of an engine (a `typing.Protocol` the dispy engine implements)
  and the values it passes (node addresses and states, job updates).
- `outcomes`: pure functions: chunk keys, what an update from dispy means for a job, retry and backoff,
  timeouts and stops.
- `flights`: the jobs handed to the engine, and the state machine that applies the engine's updates.
- `claiming`: queued → dispatched for due jobs while a node that matches each has room, then the hand-over
  to the engine, node by node.
- `placement`: pure functions: which nodes a job's placement matches, which takes it, why a job waits.
- `guards`: pure functions: a node's drain and its guards on the monitored condition, with hysteresis.
- `nodeboard`: every node's labels, drain and tripped guards, refreshed from the inventory and the collector.
- `cost`: what a run cost its node (peak temperature, throttling), folded from the collected condition.
- `housekeeping`: node list sync, job counts and gauges, purge of expired jobs, series initialisation.
- `health`: the dispatcher as a part of the service (probe) and each node's dispy side.
- `pacing`: the thread that runs the steps, woken by events, spacing them out under load.
"""
