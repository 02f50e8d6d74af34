package restparams

// Error is a request the client got wrong. Status and Body are exactly what
// the HTTP layer answers with, so GitLab clients see GitLab's bodies:
//
//	var perr *restparams.Error
//	if errors.As(err, &perr) {
//		writeJSON(w, perr.Status, perr.Body)
//	}
//
// Body never contains anything the client sent: a body or a query string may
// carry a secret token.
type Error struct {
	Status int // HTTP status code, always 4xx
	Body   any // a map[string]string with one key, "error" or "message"
	kind   kind
}

type kind int

const (
	kindBodyTooLarge kind = iota + 1
	kindMalformed
	kindUnsupportedMediaType
	kindVariablesInvalid
	kindVariablesNotStrings
)

// The errors Parse and Params.Variables return. Compare with errors.Is: every
// malformed request matches ErrMalformedBody, whatever its Body says.
var (
	// ErrBodyTooLarge: the body is larger than Parse's maxBody.
	// 413 {"message":"413 Request Entity Too Large"}.
	ErrBodyTooLarge = newError(kindBodyTooLarge, 413, "message", "413 Request Entity Too Large")

	// ErrUnreadableBody: reading the body failed (the client went away).
	ErrUnreadableBody = malformed("could not read body")

	// ErrMalformedBody: the body or the query string cannot be read as its
	// Content-Type says, breaks a limit (MaxFields, MaxDepth), or holds
	// invalid UTF-8 or NUL characters. 400 {"error":"<short reason>"}; the
	// reasons are listed in the package documentation.
	ErrMalformedBody = newError(kindMalformed, 400, "error", "malformed request")

	// ErrUnsupportedMediaType: a non-empty body of a type Parse does not read.
	// 415 {"message":"415 Unsupported Media Type"}.
	ErrUnsupportedMediaType = newError(kindUnsupportedMediaType, 415, "message", "415 Unsupported Media Type")

	// ErrVariablesInvalid: "variables" is not a map.
	// 400 {"error":"variables is invalid"}.
	ErrVariablesInvalid = newError(kindVariablesInvalid, 400, "error", "variables is invalid")

	// ErrVariablesNotStrings: "variables" is a map with a value that is not a
	// string. 400 {"message":"variables needs to be a map of key-valued strings"}.
	ErrVariablesNotStrings = newError(kindVariablesNotStrings, 400, "message", "variables needs to be a map of key-valued strings")
)

// Reasons given in the body of a malformed-request error.
var (
	errBodyNotJSON     = malformed("body is not valid JSON")
	errBodyNotObject   = malformed("body must be a JSON object")
	errBodyNotForm     = malformed("body is not a valid urlencoded form")
	errBodyNotMulti    = malformed("body is not valid multipart/form-data")
	errQueryInvalid    = malformed("query string is not valid")
	errInvalidChars    = malformed("parameters must be valid UTF-8 without NUL characters")
	errTooManyFields   = malformed("too many parameters")
	errTooDeep         = malformed("parameters are nested too deeply")
	errConflictingType = malformed("parameters have conflicting types")
)

func newError(k kind, status int, key, text string) *Error {
	return &Error{Status: status, Body: map[string]string{key: text}, kind: k}
}

func malformed(reason string) *Error {
	return newError(kindMalformed, 400, "error", reason)
}

// Error returns the text of Body; it never holds request data.
func (e *Error) Error() string {
	if m, ok := e.Body.(map[string]string); ok {
		for _, text := range m {
			return "restparams: " + text
		}
	}
	return "restparams: bad request"
}

// Is reports whether target is an *Error of the same kind, so that
// errors.Is(err, ErrMalformedBody) holds for every malformed request.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.kind != 0 && t.kind == e.kind
}
