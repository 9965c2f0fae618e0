package node

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/celltonomy/celltonomy/internal/atomicfile"
	"github.com/celltonomy/celltonomy/nodeapi"
	"github.com/celltonomy/celltonomy/spec"
)

// Job is the node's persisted record of its work on one order, in one
// role. It is written to DATA/jobs/<order id>-<role>.json, atomically
// (temporary file, fsync, rename, fsync of the directory), after every
// change of state, so that a node that crashes resumes each job from its
// last recorded state.
type Job struct {
	OrderID uint64 `json:"order_id"`
	// Role is nodeapi.RoleProvider or nodeapi.RoleVerifier.
	Role string `json:"role"`
	// State is one of gateway's State constants.
	State string `json:"state"`
	// Error says why the job failed.
	Error string `json:"error,omitempty"`
	// PackageID, InputRoot and Params are the order's.
	PackageID spec.ID           `json:"package_id"`
	InputRoot Hash              `json:"input_root"`
	Params    map[string]string `json:"params,omitempty"`
	// Deadline is the last height at which the job's transaction counts:
	// the contract's delivery deadline for a provider, the dispute's
	// commit deadline (exclusive) for a verifier.
	Deadline int64 `json:"deadline"`
	// RevealFrom and RevealDeadline bound a verifier's reveal: from
	// RevealFrom to below RevealDeadline.
	RevealFrom     int64 `json:"reveal_from,omitempty"`
	RevealDeadline int64 `json:"reveal_deadline,omitempty"`
	// Round is a verifier's dispute round (its commitment binds it).
	Round uint32 `json:"round,omitempty"`
	// AwardHeight and InputDeadline are a provider's: the height of the
	// award, and the height from which the node reports inputs that never
	// arrived as missing (market: ReportMissingInputs).
	AwardHeight   int64 `json:"award_height,omitempty"`
	InputDeadline int64 `json:"input_deadline,omitempty"`
	// InputReceipt is the provider's signed input receipt in the wire's
	// form (hex, see nodeapi.JobStatus), given to the buyer once the
	// inputs are committed; the node never reads it back.
	InputReceipt string `json:"input_receipt,omitempty"`
	// MissingReported records the report of missing inputs sent on chain.
	MissingReported bool `json:"missing_reported,omitempty"`
	// Uploaded maps an input name to its file.
	Uploaded map[string]InputFile `json:"uploaded,omitempty"`
	// Inputs are the committed inputs, once their root matched.
	Inputs []InputFile `json:"inputs,omitempty"`
	// CompletionCode is the secret the buyer reveals to close; the rating
	// stars and salt back the provider's rating commitment; Salt backs a
	// verifier's commitment.
	CompletionCode Secret `json:"completion_code,omitzero"`
	Stars          uint32 `json:"stars,omitempty"`
	RatingSalt     Secret `json:"rating_salt,omitzero"`
	Salt           Secret `json:"salt,omitzero"`
	// Results of the run, once executed: the true output root, the
	// delivered root (differs only under a fault), and the outputs.
	OutputRoot    Hash    `json:"output_root,omitzero"`
	DeliveredRoot Hash    `json:"delivered_root,omitzero"`
	ExitCode      *uint32 `json:"exit_code,omitempty"`
	// Result is how the run ended (market.RunResultName).
	Result    string       `json:"result,omitempty"`
	Stdout    []byte       `json:"stdout,omitempty"`
	Stderr    []byte       `json:"stderr,omitempty"`
	Files     []OutputFile `json:"files,omitempty"`
	RunMillis int64        `json:"run_ms,omitempty"`
	// BotSpec is, for a protocol order, the id of the BotSpec of the bot
	// that runs it: the one the node's bid named.
	BotSpec Hash `json:"botspec,omitzero"`
	// Instruction and Instructions are a protocol run's progress:
	// instructions done, of all the protocol's.
	Instruction  int `json:"instruction,omitempty"`
	Instructions int `json:"instructions,omitempty"`
	// Label is the id of the shipping label of a protocol run that ships
	// containers to the buyer ("" for none); the label's QR code carries
	// it with the completion code (node/bot.LabelPNG).
	Label string `json:"label,omitempty"`
	// Verdict is a protocol verifier's verdict on the provider's
	// delivery (VerdictConforms, VerdictViolates, VerdictUndecidable; 0
	// before it decided), and VerdictDetail why.
	Verdict       uint32 `json:"verdict,omitempty"`
	VerdictDetail string `json:"verdict_detail,omitempty"`
	// Runs counts the starts of the run, so that a job that crashed the
	// node repeatedly fails instead of crashing it again.
	Runs int `json:"runs,omitempty"`
	// TxHash is the hash of the job's last transaction: delivery, commit,
	// reveal or report of missing inputs.
	TxHash Hash `json:"tx_hash,omitzero"`
	// RatingRevealed records the provider's rating reveal.
	RatingRevealed bool `json:"rating_revealed,omitempty"`
	// Done marks a job the chain has finished with (closed, failed,
	// decided); it is kept for the buyer's downloads until DoneHeight +
	// retention_blocks (node.toml), then removed with its files.
	Done bool `json:"done,omitempty"`
	// DoneHeight is the height at which the node saw the job Done (0 for
	// a job marked Done before the node recorded it: the collector sets
	// it when it first sees the job).
	DoneHeight int64 `json:"done_height,omitempty"`
}

// blobSums returns the hashes of the files the job references: uploaded
// and committed inputs, outputs.
func (j *Job) blobSums() [][32]byte {
	var out [][32]byte
	for _, f := range j.Uploaded {
		out = append(out, f.SHA256)
	}
	for _, f := range j.Inputs {
		out = append(out, f.SHA256)
	}
	for _, f := range j.Files {
		out = append(out, f.SHA256)
	}
	return out
}

// maxRuns is the number of starts after which a job that never finished
// its run is failed: a run that kills the node must not kill it forever.
const maxRuns = 3

func (j *Job) status() nodeapi.JobStatus {
	st := nodeapi.JobStatus{
		OrderID: j.OrderID, Role: j.Role, State: j.State, Error: j.Error,
		OutputRoot: j.DeliveredRoot.hexOrEmpty(), ExitCode: j.ExitCode, RunMillis: j.RunMillis, DeliveryTx: j.TxHash.hexOrEmpty(),
		InputReceipt: j.InputReceipt, Result: j.Result, Instruction: j.Instruction, Instructions: j.Instructions,
	}
	if j.Role == nodeapi.RoleVerifier {
		// A verifier's root stays secret until it reveals.
		st.OutputRoot = ""
		if j.State == nodeapi.StateRevealed {
			st.OutputRoot = j.OutputRoot.hexOrEmpty()
		}
	}
	return st
}

// jobStore keeps jobs in memory and on disk. Its methods are safe for
// concurrent use; a job handed out is a copy.
type jobStore struct {
	dir  string
	mu   sync.Mutex
	jobs map[string]*Job
}

func jobKey(id uint64, role string) string { return strconv.FormatUint(id, 10) + "-" + role }

func openJobs(dir string) (*jobStore, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	s := &jobStore{dir: dir, jobs: map[string]*Job{}}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, e := range ents {
		name := e.Name()
		if strings.HasSuffix(name, ".tmp") {
			os.Remove(filepath.Join(dir, name))
			continue
		}
		if !strings.HasSuffix(name, ".json") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		j := &Job{}
		if err := json.Unmarshal(b, j); err != nil {
			return nil, fmt.Errorf("job file %s: %w", name, err)
		}
		s.jobs[jobKey(j.OrderID, j.Role)] = j
	}
	return s, nil
}

// get returns a copy of the job, or false.
func (s *jobStore) get(id uint64, role string) (Job, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[jobKey(id, role)]
	if !ok {
		return Job{}, false
	}
	return j.clone(), true
}

// all returns copies of every job, by order id then role.
func (s *jobStore) all() []Job {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Job, 0, len(s.jobs))
	for _, j := range s.jobs {
		out = append(out, j.clone())
	}
	slices.SortFunc(out, byOrder)
	return out
}

// byOrder orders jobs by order id, then role.
func byOrder(a, b Job) int {
	if c := cmp.Compare(a.OrderID, b.OrderID); c != 0 {
		return c
	}
	return strings.Compare(a.Role, b.Role)
}

// pending returns copies of the jobs not marked Done, by order id then
// role: the ones the block loop still looks at.
func (s *jobStore) pending() []Job {
	s.mu.Lock()
	var out []Job
	for _, j := range s.jobs {
		if !j.Done {
			out = append(out, j.clone())
		}
	}
	s.mu.Unlock()
	slices.SortFunc(out, byOrder)
	return out
}

// errExists is returned by create for a job already recorded.
var errExists = errors.New("job exists")

// create records a new job; errExists if there is one.
func (s *jobStore) create(j Job) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := jobKey(j.OrderID, j.Role)
	if _, ok := s.jobs[k]; ok {
		return errExists
	}
	c := j.clone()
	if err := s.write(&c); err != nil {
		return err
	}
	s.jobs[k] = &c
	return nil
}

// update applies f to the job under the store's lock and persists the
// result; when f returns an error nothing changes.
func (s *jobStore) update(id uint64, role string, f func(j *Job) error) (Job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.jobs[jobKey(id, role)]
	if !ok {
		return Job{}, fmt.Errorf("order %d: no %s job", id, role)
	}
	next := cur.clone()
	if err := f(&next); err != nil {
		return cur.clone(), err
	}
	if err := s.write(&next); err != nil {
		return cur.clone(), err
	}
	*cur = next
	return next.clone(), nil
}

// remove forgets a job and deletes its record, event log and output
// directory.
func (s *jobStore) remove(id uint64, role string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := jobKey(id, role)
	for _, p := range []string{k + ".json", k + ".log"} {
		if err := os.Remove(filepath.Join(s.dir, p)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	if err := os.RemoveAll(filepath.Join(s.dir, k+".out")); err != nil {
		return err
	}
	delete(s.jobs, k)
	return atomicfile.SyncDir(s.dir)
}

func (s *jobStore) write(j *Job) error {
	b, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(s.dir, jobKey(j.OrderID, j.Role)+".json"), b, 0o600)
}

func (j *Job) clone() Job {
	c := *j
	if j.Params != nil {
		c.Params = make(map[string]string, len(j.Params))
		for k, v := range j.Params {
			c.Params[k] = v
		}
	}
	if j.Uploaded != nil {
		c.Uploaded = make(map[string]InputFile, len(j.Uploaded))
		for k, v := range j.Uploaded {
			c.Uploaded[k] = v
		}
	}
	c.Inputs = slices.Clone(j.Inputs)
	c.Files = slices.Clone(j.Files)
	c.Stdout = slices.Clone(j.Stdout)
	c.Stderr = slices.Clone(j.Stderr)
	if j.ExitCode != nil {
		e := *j.ExitCode
		c.ExitCode = &e
	}
	return c
}
