package node

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the node's Prometheus metrics, served at GET /metrics under
// the namespace "cell_node".
type metrics struct {
	reg        *prometheus.Registry
	height     prometheus.Gauge
	bids       prometheus.Counter
	noBids     *prometheus.CounterVec
	jobs       *prometheus.CounterVec
	failed     *prometheus.CounterVec
	deliveries prometheus.Counter
	running    prometheus.Gauge
	runSeconds prometheus.Histogram
	uploads    prometheus.Counter
	// missingInputs counts reports of missing inputs sent on chain.
	missingInputs prometheus.Counter
	// decisionSeconds is the time from an order's event to the node's
	// bid decision, a wait for the package's fetch included.
	decisionSeconds prometheus.Histogram
	fetches         *prometheus.CounterVec
	refusals        *prometheus.CounterVec
	blobBytes       prometheus.Gauge
	gcFreed         prometheus.Counter
}

func newMetrics() *metrics {
	m := &metrics{
		reg:        prometheus.NewRegistry(),
		height:     prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "cell_node", Name: "height", Help: "Height of the last block handled."}),
		bids:       prometheus.NewCounter(prometheus.CounterOpts{Namespace: "cell_node", Name: "bids_total", Help: "Bids accepted by CheckTx."}),
		noBids:     prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "cell_node", Name: "no_bids_total", Help: "Orders not bid on, by reason."}, []string{"reason"}),
		jobs:       prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "cell_node", Name: "jobs_total", Help: "Jobs recorded, by role."}, []string{"role"}),
		failed:     prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "cell_node", Name: "jobs_failed_total", Help: "Jobs failed, by role."}, []string{"role"}),
		deliveries: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "cell_node", Name: "deliveries_total", Help: "Deliveries accepted by CheckTx."}),
		running:    prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "cell_node", Name: "runs_in_progress", Help: "WebAssembly runs in progress."}),
		runSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: "cell_node", Name: "run_seconds", Help: "Wall time of runs.", Buckets: prometheus.ExponentialBuckets(0.01, 2, 14)}),
		uploads:    prometheus.NewCounter(prometheus.CounterOpts{Namespace: "cell_node", Name: "input_uploads_total", Help: "Input files uploaded by buyers."}),
		missingInputs: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "cell_node", Name: "missing_inputs_reports_total",
			Help: "Reports of inputs that never arrived, accepted by CheckTx."}),
		decisionSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: "cell_node", Name: "bid_decision_seconds",
			Help: "Time from an order's event to the bid decision.", Buckets: prometheus.ExponentialBuckets(0.001, 2, 16)}),
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "cell_node", Name: "package_fetches_total",
			Help: "Package fetches over the network, by result (fetched, failed)."}, []string{"result"}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "cell_node", Name: "http_refusals_total",
			Help: "Requests refused before their body was read, by HTTP status."}, []string{"status"}),
		blobBytes: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "cell_node", Name: "blob_bytes", Help: "Bytes counted against blob_quota_bytes."}),
		gcFreed:   prometheus.NewCounter(prometheus.CounterOpts{Namespace: "cell_node", Name: "gc_freed_bytes_total", Help: "Bytes removed by garbage collection."}),
	}
	m.reg.MustRegister(m.height, m.bids, m.noBids, m.jobs, m.failed, m.deliveries, m.running, m.runSeconds, m.uploads, m.missingInputs,
		m.decisionSeconds, m.fetches, m.refusals, m.blobBytes, m.gcFreed, collectors.NewGoCollector())
	return m
}
