package web

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestDeadlineContext checks that withDeadline's context says what
// context.WithDeadline's would, whether or not anything waits on Done.
func TestDeadlineContext(t *testing.T) {
	for _, tt := range []struct {
		name string
		// in is how far the deadline is.
		in time.Duration
		// wait calls Done before anything happens.
		wait bool
		// then happens to the context: "", "cancel parent", "stop" or
		// "sleep" (past the deadline).
		then string
		want error
	}{
		{"before the deadline", time.Hour, false, "", nil},
		{"before the deadline, waited on", time.Hour, true, "", nil},
		{"past the deadline", 10 * time.Millisecond, false, "sleep", context.DeadlineExceeded},
		{"past the deadline, waited on", 10 * time.Millisecond, true, "sleep", context.DeadlineExceeded},
		{"parent cancelled", time.Hour, false, "cancel parent", context.Canceled},
		{"parent cancelled, waited on", time.Hour, true, "cancel parent", context.Canceled},
		{"stopped", time.Hour, false, "stop", context.Canceled},
		{"stopped, waited on", time.Hour, true, "stop", context.Canceled},
	} {
		t.Run(tt.name, func(t *testing.T) {
			parent, cancelParent := context.WithCancel(context.Background())
			defer cancelParent()
			d := time.Now().Add(tt.in)
			ctx, stop := withDeadline(parent, d)
			defer stop()
			if _, ok := ctx.(*deadlineContext); !ok {
				t.Fatalf("withDeadline made a %T, want *deadlineContext", ctx)
			}
			if got, ok := ctx.Deadline(); !ok || !got.Equal(d) {
				t.Errorf("Deadline() = %v, %v; want %v, true", got, ok, d)
			}
			var done <-chan struct{}
			if tt.wait {
				done = ctx.Done()
			}
			switch tt.then {
			case "cancel parent":
				cancelParent()
			case "stop":
				stop()
			case "sleep":
				time.Sleep(tt.in + 5*time.Millisecond)
			}
			if err := ctx.Err(); !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Errorf("Err() = %v, want %v", err, tt.want)
			}
			if done == nil {
				done = ctx.Done() // asked only now
			}
			if tt.want != nil {
				select {
				case <-done:
				case <-time.After(5 * time.Second):
					t.Fatal("Done is not closed")
				}
			} else {
				select {
				case <-done:
					t.Fatal("Done is closed before anything happened")
				default:
				}
			}
			if err := ctx.Err(); !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Errorf("Err() after Done = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestDeadlineContextEarlierParent checks that a parent's earlier deadline
// wins, as with context.WithDeadline.
func TestDeadlineContextEarlierParent(t *testing.T) {
	parentDeadline := time.Now().Add(time.Minute)
	parent, cancel := context.WithDeadline(context.Background(), parentDeadline)
	defer cancel()
	ctx, stop := withDeadline(parent, time.Now().Add(time.Hour))
	defer stop()
	if got, _ := ctx.Deadline(); !got.Equal(parentDeadline) {
		t.Errorf("Deadline() = %v, want the parent's %v", got, parentDeadline)
	}
}
