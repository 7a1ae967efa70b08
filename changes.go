package childmatch

import "context"

// ChangeFeed tells the index which cases changed, so that a restart loads a snapshot plus what changed
// after it, and several service processes over one store stay current.
//
// Every write of a case record is preceded by a change entry naming the case and the process that wrote
// it (the store writes it, so no path can forget). Entries are IDs, so time-ordered; a position in the
// feed is an ID too, usually IDAt of a moment, and means "every entry made after that moment".
type ChangeFeed interface {
	// ChangesAfter calls fn for each change entry after the given one (zero: from the start), oldest
	// first, until fn returns an error.
	ChangesAfter(ctx context.Context, after ID, fn func(Change) error) error
	// WatchCases delivers the ids of cases whose records were written or removed by any process, as
	// the store announces them, until ctx ends or the watch breaks (the channel is then closed).
	WatchCases(ctx context.Context) <-chan ID
}

// Change is one entry of the feed.
type Change struct {
	Entry ID
	Case  ID
	// Mine: this process wrote it (through this store), so it has applied it to its index already.
	Mine bool
}
