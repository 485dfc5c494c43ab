// The cluster test measures failover times on real processes: test classes never run at the same time, so the node
// processes have the machine's cores to themselves.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
