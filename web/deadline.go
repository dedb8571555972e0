package web

import (
	"context"
	"sync"
	"time"
)

// deadlineContext is context.WithDeadline without its timer until something
// waits on Done. A search over the catalog only asks Err, once, at its end;
// the timer context.WithTimeout starts and stops, and its registration
// with the request's context, cost a search about a microsecond and four
// allocations. A text search that goes to Bleve waits on Done, and gets a
// real context.WithDeadline then.
type deadlineContext struct {
	context.Context // the parent
	deadline        time.Time

	mu sync.Mutex
	// timed is the context.WithDeadline that Done made, and cancel its
	// cancel function; nil until Done is called.
	timed  context.Context
	cancel context.CancelFunc
	// stopped is set by stop.
	stopped bool
}

// withDeadline returns a context that is done when parent is or at d, and
// a function that releases it, as context.WithDeadline does.
func withDeadline(parent context.Context, d time.Time) (context.Context, context.CancelFunc) {
	if cur, ok := parent.Deadline(); ok && !cur.After(d) {
		// The parent's deadline comes first: as with
		// context.WithDeadline, only cancelling is added.
		return context.WithCancel(parent)
	}
	c := &deadlineContext{Context: parent, deadline: d}
	return c, c.stop
}

// Deadline returns the deadline.
func (c *deadlineContext) Deadline() (time.Time, bool) { return c.deadline, true }

// Done returns a channel closed when the parent is done, the deadline
// passes or stop is called, starting the timer the first time.
func (c *deadlineContext) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.timed == nil {
		c.timed, c.cancel = context.WithDeadline(c.Context, c.deadline)
		if c.stopped {
			c.cancel()
		}
	}
	return c.timed.Done()
}

// Err returns the parent's error, else context.Canceled after stop, else
// context.DeadlineExceeded once the deadline has passed, else nil (or,
// once Done has been called, what the context.WithDeadline it made says).
func (c *deadlineContext) Err() error {
	c.mu.Lock()
	timed, stopped := c.timed, c.stopped
	c.mu.Unlock()
	if timed != nil {
		return timed.Err()
	}
	if err := c.Context.Err(); err != nil {
		return err
	}
	if stopped {
		return context.Canceled
	}
	if !time.Now().Before(c.deadline) {
		return context.DeadlineExceeded
	}
	return nil
}

// stop releases the timer, if Done started one, and cancels the context,
// as a context.WithDeadline's cancel function does.
func (c *deadlineContext) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopped = true
	if c.cancel != nil {
		c.cancel()
	}
}
