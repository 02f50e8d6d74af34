package graph

import (
	"entgo.io/contrib/entgql"

	"github.com/kickoff-ci/kickoff/ent"
)

// newestFirst is the audit log's default order.
func newestFirst(o *ent.AuditEventOrder) *ent.AuditEventOrder {
	if o != nil {
		return o
	}
	return &ent.AuditEventOrder{Direction: entgql.OrderDirectionDesc, Field: ent.AuditEventOrderFieldCreatedAt}
}
