package model

// PipelineLog is GraphQL's piece of a job log (the ent type of that name is
// the log's head row, not exposed).
type PipelineLog struct {
	Content    string `json:"content"`
	Offset     int    `json:"offset"`
	NextOffset int    `json:"nextOffset"`
	Size       int    `json:"size"`
	Truncated  bool   `json:"truncated"`
	Complete   bool   `json:"complete"`
}
