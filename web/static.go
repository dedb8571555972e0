package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/gorilla/mux"
)

// staticFiles are the pages' stylesheet, scripts and the vendored Leaflet
// (scripts/vendor-npm.sh), served from the binary.
//
//go:embed static
var staticFiles embed.FS

// Cache lifetimes of static files.
const (
	// cacheControlImmutable is for a URL that names the file's content
	// hash: it can never change.
	cacheControlImmutable = "public, max-age=31536000, immutable"
	// cacheControlStatic is for a static file asked for without its hash
	// (or with an old one): short, and revalidated by ETag.
	cacheControlStatic = "public, max-age=300"
)

// asset is one static file.
type asset struct {
	body  []byte
	hash  string // the first 16 hex digits of its SHA-256
	ctype string
}

// loadAssets reads every embedded static file, keyed by its path below
// static/.
func loadAssets() map[string]*asset {
	out := map[string]*asset{}
	err := fs.WalkDir(staticFiles, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFiles.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		ctype := mime.TypeByExtension(path.Ext(p))
		switch path.Ext(p) {
		case ".css":
			ctype = "text/css; charset=utf-8"
		case ".js":
			ctype = "text/javascript; charset=utf-8"
		case ".png":
			ctype = "image/png"
		case ".svg":
			ctype = "image/svg+xml"
		case "":
			ctype = "text/plain; charset=utf-8"
		}
		out[strings.TrimPrefix(p, "static/")] = &asset{body: body, hash: hex.EncodeToString(sum[:8]), ctype: ctype}
		return nil
	})
	if err != nil {
		panic(fmt.Sprintf("web: read embedded static files: %v", err)) // the embed is part of the binary
	}
	return out
}

// assetURL returns the URL of the static file name, with its content hash
// so that it can be cached for good.
func (s *Server) assetURL(name string) string {
	a, ok := s.assets[name]
	if !ok {
		panic("web: no static file " + name) // a template names a file that is not embedded
	}
	return "/static/" + name + "?v=" + a.hash
}

// serveStatic answers GET /static/{path}: the file, cached for a year when
// the URL carries its current hash, else briefly, with an ETag either way.
func (s *Server) serveStatic(w http.ResponseWriter, r *http.Request) error {
	name := mux.Vars(r)["path"]
	a, ok := s.assets[name]
	if !ok {
		return &apiError{Status: http.StatusNotFound, Code: "not_found", Message: "no static file " + name}
	}
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("ETag", `"`+a.hash+`"`)
	if r.URL.Query().Get("v") == a.hash {
		h.Set("Cache-Control", cacheControlImmutable)
	} else {
		h.Set("Cache-Control", cacheControlStatic)
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
	return nil
}
