package data

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// lineReader counts the lines of what it reads, so that a JSON decoder's
// byte offsets can be told as line numbers. Offsets must be asked for in
// increasing order; it keeps only the line breaks not yet passed.
type lineReader struct {
	r      io.Reader
	read   int64   // bytes read so far
	breaks []int64 // offsets of the line breaks not yet passed
	line   int     // line breaks passed
}

func newLineReader(r io.Reader) *lineReader { return &lineReader{r: r} }

func (l *lineReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for i := 0; i < n; {
		j := bytes.IndexByte(p[i:n], '\n')
		if j < 0 {
			break
		}
		l.breaks = append(l.breaks, l.read+int64(i+j))
		i += j + 1
	}
	l.read += int64(n)
	return n, err
}

// lineAt returns the 1-based line of byte offset off.
func (l *lineReader) lineAt(off int64) int {
	k := 0
	for k < len(l.breaks) && l.breaks[k] < off {
		k++
	}
	l.line += k
	l.breaks = l.breaks[k:]
	return l.line + 1
}

// jsonKind names the JSON type of a value for messages: "a string",
// "an object", "null".
func jsonKind(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

func isNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || string(raw) == "null"
}

// jsonField is one member of a JSON object: its key, its raw value and
// the byte offset of the value within the object's text.
type jsonField struct {
	key string
	val json.RawMessage
	off int
}

// objectFields splits the JSON object raw into its members, in order. It
// fails when raw is not an object.
func objectFields(raw json.RawMessage) ([]jsonField, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("want an object, found %s", jsonKind(raw))
	}
	var out []jsonField
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		end := int(dec.InputOffset())
		out = append(out, jsonField{key: key, val: v, off: end - len(v)})
	}
	return out, nil
}

// jsonString reads a string value. A number is taken as its text (ZIP
// codes and phone numbers are sometimes numbers), null as "". ok is false
// for anything else.
func jsonString(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if isNull(raw) {
		return "", true
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", false
		}
		return s, true
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			return "", false
		}
		return n.String(), true
	}
	return "", false
}

// syntaxErrorLine turns a decoder error into a message with the line it
// happened on.
func syntaxErrorLine(lr *lineReader, dec *json.Decoder, err error) string {
	var se *json.SyntaxError
	off := dec.InputOffset()
	if e, ok := err.(*json.SyntaxError); ok {
		se = e
		off = se.Offset
	}
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		return fmt.Sprintf("line %d: the JSON ends too soon", lr.lineAt(lr.read))
	}
	return fmt.Sprintf("line %d: %v", lr.lineAt(off), err)
}
