// Package tokenstest holds test helpers for Kickoff's tokens.
package tokenstest

// BadChecksum returns token with its last character (part of the checksum)
// changed into another base62 character: well-formed, but refused before
// any lookup.
func BadChecksum(token string) string {
	last := token[len(token)-1]
	swap := byte('A')
	if last == 'A' {
		swap = 'B'
	}
	return token[:len(token)-1] + string(swap)
}
