package web

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync"
)

// net/http writes an HTTP/1 response through a 4 KB buffer: the header
// and the first part of a body that does not fit are one write to the
// socket, the rest another. Each write to a socket is a trip through the
// kernel's TCP stack (over loopback, the receiver's side of it too), and
// under load those writes took about a quarter of the server's CPU per
// search. A connection accepted by Listener can gather what net/http
// writes while a handler answers and send it in one write
// (coalesceResponse).

// Listener returns ln with its connections able to send a whole response
// in one write. Serve it with ConnContext as the http.Server's
// ConnContext, which lets handlers find the connection.
func Listener(ln net.Listener) net.Listener {
	return coalescingListener{ln}
}

// ConnContext is the http.Server ConnContext that goes with Listener: it
// puts the connection in the context of every request it carries.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	if cc, ok := c.(*coalescingConn); ok {
		return context.WithValue(ctx, connKey, cc)
	}
	return ctx
}

// connKey is the context key of a request's *coalescingConn.
const connKey contextKey = -1

type coalescingListener struct {
	net.Listener
}

// Accept wraps the accepted connection.
func (l coalescingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &coalescingConn{Conn: c}, nil
}

// coalescingConn is a connection that, between gather and send, keeps
// what is written to it and sends it in one write. net/http writes to an
// HTTP/1 connection only from the goroutine that runs the handler, so
// the handler's gather and send need no lock.
type coalescingConn struct {
	net.Conn
	// held is non-nil between gather and send.
	held *[]byte
}

// heldPool recycles the buffers of held writes.
var heldPool = sync.Pool{New: func() any { b := make([]byte, 0, 32<<10); return &b }}

// Write keeps p while gathering, else writes it.
func (c *coalescingConn) Write(p []byte) (int, error) {
	if c.held != nil {
		*c.held = append(*c.held, p...)
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// ReadFrom lets net/http copy a file with sendfile as it would to the
// bare connection, when not gathering.
func (c *coalescingConn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok && c.held == nil {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{c}, r)
}

// CloseWrite half-closes the connection as net/http does to the bare
// one when it closes it gracefully.
func (c *coalescingConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// gather starts keeping writes.
func (c *coalescingConn) gather() {
	if c.held == nil {
		c.held = heldPool.Get().(*[]byte)
	}
}

// send writes what was kept since gather, in one write, and stops
// keeping.
func (c *coalescingConn) send() error {
	held := c.held
	if held == nil {
		return nil
	}
	c.held = nil
	var err error
	if len(*held) > 0 {
		_, err = c.Conn.Write(*held)
	}
	if cap(*held) <= maxPooledBuffer {
		*held = (*held)[:0]
		heldPool.Put(held)
	}
	return err
}

// writeResponse writes an answer's body after its header (set in w's
// Header by then), all in one write to the socket when the request came
// over a connection from Listener, as net/http would have written it in
// two or more.
func writeResponse(w http.ResponseWriter, r *http.Request, status int, body []byte) {
	cc, _ := r.Context().Value(connKey).(*coalescingConn)
	if cc == nil || r.ProtoMajor != 1 {
		w.WriteHeader(status)
		w.Write(body) // a failed write means the client left; nothing to do
		return
	}
	cc.gather()
	defer cc.send() // whatever happens, the connection writes again after
	w.WriteHeader(status)
	w.Write(body)
	http.NewResponseController(w).Flush()
}
