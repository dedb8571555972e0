package web

import (
	"net/http"

	"github.com/klauspost/compress/gzhttp"
	"github.com/klauspost/compress/gzip"
)

// compressMinSize is the smallest answer worth compressing: below about
// a packet, gzip saves no round trip.
const compressMinSize = 1024

// acceptEncoding is the request header that asks for compression.
const acceptEncoding = "Accept-Encoding"

// newCompressor returns the middleware that gzips the answers of clients
// that accept it (every browser does): a results page or a page of 20
// results shrinks from about 33 KB to 6–7 KB, half a second less on a
// slow phone connection. It uses the fastest level, within 15 % of the
// best size for two thirds of the time. Answers under compressMinSize,
// HEAD requests and clients that ask for no compression get the answer as
// it is. Every answer says it varies with Accept-Encoding; a request
// without the header (a load tool, a script) goes straight to the
// handler. Its options are constants: an error is a bug.
func newCompressor(sh *sharedHeaders) func(http.Handler) http.Handler {
	wrap, err := gzhttp.NewWrapper(
		gzhttp.CompressionLevel(gzip.BestSpeed),
		gzhttp.MinSize(compressMinSize),
	)
	if err != nil {
		panic("web: gzip wrapper: " + err.Error())
	}
	return func(next http.Handler) http.Handler {
		gz := wrap(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if len(r.Header[acceptEncoding]) == 0 {
				w.Header()["Vary"] = sh.varyEncoding
				next.ServeHTTP(w, r)
				return
			}
			gz.ServeHTTP(w, r)
		})
	}
}
