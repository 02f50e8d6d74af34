package pipelines

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/internal/database"
)

// Limits on user-sent variables.
const (
	MaxVariables     = 200
	MaxVariableKey   = 255
	MaxVariableValue = 64 << 10
)

// MinMaskedLength is the shortest value that may be masked (GitLab's rule):
// masking shorter strings would garble ordinary output.
const MinMaskedLength = 8

// PayloadVariable is the file variable holding the webhook form's request.
const PayloadVariable = "TRIGGER_PAYLOAD"

var variableKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Variable is one CI variable; File variables are written to a file by the
// runner, Masked values are replaced by [MASKED] in the job log.
type Variable struct {
	Key    string `json:"key"`
	Value  string `json:"value"`
	File   bool   `json:"file"`
	Masked bool   `json:"masked"`
}

// validateVariables checks user-sent variables and returns them sorted by key.
func validateVariables(vars map[string]string) ([]Variable, error) {
	if len(vars) > MaxVariables {
		return nil, errTooManyVariables
	}
	list := make([]Variable, 0, len(vars))
	for k, v := range vars {
		list = append(list, Variable{Key: k, Value: v})
	}
	return validateVariableList(list)
}

var errTooManyVariables = kickoff.Errorf(kickoff.EInvalid, "variables: at most %d variables are allowed", MaxVariables)

// validateVariableList checks user-sent variables given as a list (GitLab's
// array form, which can mark file variables) and returns them sorted by key.
// A key given twice is refused: which one should win is anyone's guess.
func validateVariableList(vars []Variable) ([]Variable, error) {
	if len(vars) > MaxVariables {
		return nil, errTooManyVariables
	}
	out := slices.Clone(vars)
	for _, v := range out {
		k := v.Key
		switch {
		case len(k) > MaxVariableKey || !variableKey.MatchString(k):
			return nil, kickoff.Errorf(kickoff.EInvalid, "variables: %q is not a valid variable name (letters, digits and _, not starting with a digit, at most %d characters)", kickoff.Excerpt(k, 64), MaxVariableKey)
		case len(v.Value) > MaxVariableValue:
			return nil, kickoff.Errorf(kickoff.EInvalid, "variables: the value of %s is longer than %d bytes", k, MaxVariableValue)
		case !kickoff.CleanText(v.Value):
			// The REST parser refuses these already; GraphQL's "\u0000" gets here.
			return nil, kickoff.Errorf(kickoff.EInvalid, "variables: the value of %s must be valid UTF-8 without NUL characters", k)
		case v.Masked && (len(v.Value) < MinMaskedLength || strings.ContainsAny(v.Value, "\r\n")):
			return nil, kickoff.Errorf(kickoff.EInvalid, "variables: %s is masked, so its value must be one line of at least %d characters", k, MinMaskedLength)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	for i := 1; i < len(out); i++ {
		if out[i].Key == out[i-1].Key {
			return nil, kickoff.Errorf(kickoff.EInvalid, "variables: %s is given more than once", out[i].Key)
		}
	}
	return out, nil
}

// Variables returns what a pipeline's job sees: the predefined CI_ variables,
// overridden by the variables stored with the pipeline (user-sent ones and
// TRIGGER_PAYLOAD), sorted by key. p must have its project and variables loaded
// or loadable.
func (s *Service) Variables(p *ent.Pipeline, proj *ent.Project, stored []*ent.PipelineVariable) []Variable {
	byKey := map[string]Variable{}
	for _, v := range s.predefined(p, proj) {
		byKey[v.Key] = v
	}
	for _, v := range stored {
		byKey[v.Key] = Variable{Key: v.Key, Value: v.Value, File: v.File, Masked: v.Masked}
	}
	out := make([]Variable, 0, len(byKey))
	for _, v := range byKey {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// predefined are GitLab's CI_ variables for p (SPEC §6). They are derived, not
// stored, so they always match the pipeline.
func (s *Service) predefined(p *ent.Pipeline, proj *ent.Project) []Variable {
	sha := ""
	if p.Sha != nil {
		sha = *p.Sha
	}
	vars := []Variable{
		{Key: "CI_PIPELINE_ID", Value: strconv.Itoa(p.ID)},
		{Key: "CI_PIPELINE_IID", Value: strconv.Itoa(p.Iid)},
		{Key: "CI_PIPELINE_SOURCE", Value: string(p.Source)},
		{Key: "CI_COMMIT_REF_NAME", Value: p.Ref},
		{Key: "CI_COMMIT_SHA", Value: sha},
		{Key: "CI_PROJECT_ID", Value: strconv.Itoa(proj.ID)},
		{Key: "CI_PROJECT_PATH", Value: proj.FullPath},
		{Key: "CI_PIPELINE_URL", Value: s.WebURL(proj, p)},
	}
	if p.Source == "trigger" {
		vars = append(vars, Variable{Key: "CI_PIPELINE_TRIGGERED", Value: "true"})
	}
	if p.Tag {
		vars = append(vars, Variable{Key: "CI_COMMIT_TAG", Value: p.Ref})
	}
	return vars
}

// WebURL is the pipeline's page in the web app.
func (s *Service) WebURL(proj *ent.Project, p *ent.Pipeline) string {
	return WebURL(s.PublicURL, proj, p)
}

// WebPath is where the web app shows pipeline p of proj, as in GitLab:
// /<project path>/-/pipelines/<iid>.
func WebPath(proj *ent.Project, p *ent.Pipeline) string {
	return "/" + proj.FullPath + "/-/pipelines/" + strconv.Itoa(p.Iid)
}

// WebURL is WebPath under base, the URL users reach Kickoff at.
func WebURL(base *url.URL, proj *ent.Project, p *ent.Pipeline) string {
	return base.JoinPath(WebPath(proj, p)).String()
}

// Duration is the seconds from start to finish, once finished.
func Duration(p *ent.Pipeline) *int {
	if p.StartedAt == nil || p.FinishedAt == nil {
		return nil
	}
	d := int(p.FinishedAt.Sub(*p.StartedAt).Seconds())
	return &d
}

// QueuedDuration is the seconds a pipeline waited for a runner, once started.
func QueuedDuration(p *ent.Pipeline) *float64 {
	if p.StartedAt == nil {
		return nil
	}
	q := p.StartedAt.Sub(p.CreatedAt).Seconds()
	return &q
}

// Viewed is a pipeline variable as a viewer sees it: Value is nil unless
// the viewer may read variable values.
type Viewed struct {
	Key    string
	Value  *string
	File   bool
	Masked bool
}

// VariablesFor lists what p's jobs see, with values only for viewers allowed
// authz.ReadVariableValues in p's project (Maintainers): everyone who may
// see the pipeline may see which variables it has.
func (s *Service) VariablesFor(ctx context.Context, p *ent.Pipeline) ([]Viewed, error) {
	proj, err := p.Project(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading pipeline %d's project: %w", p.ID, err)
	}
	stored, err := p.QueryVariables().All(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading pipeline %d's variables: %w", p.ID, err)
	}
	showValues, err := authz.Allows(ctx, database.ClientFrom(ctx, s.client), authz.UserFrom(ctx), p.ProjectID, authz.ReadVariableValues)
	if err != nil {
		return nil, err
	}
	vars := s.Variables(p, proj, stored)
	out := make([]Viewed, len(vars))
	for i, v := range vars {
		out[i] = Viewed{Key: v.Key, File: v.File, Masked: v.Masked}
		if showValues {
			out[i].Value = &vars[i].Value
		}
	}
	return out, nil
}
