package graph

import (
	"github.com/kickoff-ci/kickoff/domain/webhooks"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/graph/model"
)

// hookInput is GraphQL's hook fields as the domain's Input; a nil list
// leaves the setting as it is.
func hookInput(url, name, description, token *string, pipelineEvents, sslVerification *bool,
	headers []*webhooks.Header, statuses, refGlobs []string) webhooks.Input {
	in := webhooks.Input{URL: url, Name: name, Description: description, Token: token,
		PipelineEvents: pipelineEvents, EnableSSLVerification: sslVerification}
	if headers != nil {
		hs := make([]webhooks.Header, len(headers))
		for i, h := range headers {
			hs[i] = *h
		}
		in.CustomHeaders = &hs
	}
	if statuses != nil {
		in.Statuses = &statuses
	}
	if refGlobs != nil {
		in.RefGlobs = &refGlobs
	}
	return in
}

func deliveryPayload(d *ent.WebhookDelivery, err error) (*model.WebhookDeliveryPayload, error) {
	return payload(err, func(errs []string) *model.WebhookDeliveryPayload {
		return &model.WebhookDeliveryPayload{Delivery: d, Errors: errs}
	})
}
