// The tests measure how fast a change reaches other processes (within 1 second): test classes never run at the same
// time, so each has the two cores to itself and the node processes of one class never compete with another's.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
