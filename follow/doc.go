// Package follow keeps the in-memory index in step with the case records: how it starts, how it follows
// this process's writes and the other replicas', and how it is saved.
//
// At start (Open) the index loads the newest snapshot it can verify (the local cache file, else the one in
// the store) and then re-reads every case named in the change feed after the snapshot's position; with
// no usable snapshot it reads every case record. While serving, this process's own writes of case
// records pass through Write, which applies each to the index at once, one case at a time in the order
// the writes happened; Run applies the cases the store's notifications name, lists the change feed every
// CatchUp for the other processes' entries (this process's own are skipped: Write applied them), and
// every SnapshotEvery, when something changed, writes a snapshot to the local cache and the store.
//
// Positions are moments: a snapshot's position is IDAt(a time before it was taken, minus FeedOverlap),
// so replaying from it re-reads every change that could be missing from it, including those of replicas
// whose clocks lag by less than FeedOverlap (limits.go).
package follow
