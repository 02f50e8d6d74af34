package joblogs

import (
	"bytes"

	"github.com/kickoff-ci/kickoff/domain/pipelines"
)

// Masked replaces a masked variable's value in a stored log, GitLab's word.
var Masked = []byte("[MASKED]")

// masker replaces secrets in a stream that arrives in chunks. A secret may
// straddle two chunks, so the tail of a chunk that could begin a secret is
// held back (pending) until the next chunk, or the end of the log, says.
type masker struct {
	secrets [][]byte // longest first, so the longest match wins
	first   [256]bool
}

func newMasker(secrets [][]byte) *masker {
	m := &masker{}
	for _, s := range secrets {
		if len(s) < pipelines.MinMaskedLength {
			continue
		}
		m.secrets = append(m.secrets, s)
		m.first[s[0]] = true
	}
	// Insertion sort by length, longest first: a pipeline has few secrets.
	for i := 1; i < len(m.secrets); i++ {
		for j := i; j > 0 && len(m.secrets[j]) > len(m.secrets[j-1]); j-- {
			m.secrets[j], m.secrets[j-1] = m.secrets[j-1], m.secrets[j]
		}
	}
	return m
}

// mask returns buf with every secret replaced and, unless final, the tail
// held back because a secret may continue in what comes next.
func (m *masker) mask(buf []byte, final bool) (out, pending []byte) {
	out = make([]byte, 0, len(buf))
	for i := 0; i < len(buf); {
		if !m.first[buf[i]] {
			out = append(out, buf[i])
			i++
			continue
		}
		rest := buf[i:]
		if !final && m.mayContinue(rest) {
			return out, bytes.Clone(rest)
		}
		if n := m.match(rest); n > 0 {
			out = append(out, Masked...)
			i += n
			continue
		}
		out = append(out, buf[i])
		i++
	}
	return out, nil
}

// mayContinue reports whether rest is a proper prefix of a secret: the next
// chunk could complete it (or a longer secret than one that matches now).
func (m *masker) mayContinue(rest []byte) bool {
	for _, s := range m.secrets {
		if len(rest) < len(s) && bytes.HasPrefix(s, rest) {
			return true
		}
	}
	return false
}

// match returns the length of the longest secret rest starts with, or 0.
func (m *masker) match(rest []byte) int {
	for _, s := range m.secrets {
		if bytes.HasPrefix(rest, s) {
			return len(s)
		}
	}
	return 0
}
