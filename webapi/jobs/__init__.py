"""Jobs: the task registry, the service-side queue and the dispatch of jobs to dispy nodes."""
